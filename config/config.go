// Package config holds secbrief's configuration: the types, their defaults,
// loading from one YAML file with ${VAR} expansion from the environment, and
// validation whose every error names the key at fault.
//
// The YAML keys are part of secbrief's public interface; config.example.yaml
// at the repository root documents each of them.
package config

import "github.com/secbrief/secbrief/internal/defaults"

// Config is the whole configuration of one secbrief process.
type Config struct {
	LLM     LLMConfig     `yaml:"llm"`
	Storage StorageConfig `yaml:"storage"`
	Fetch   FetchConfig   `yaml:"fetch"`
	Discord DiscordConfig `yaml:"discord"`
	Limits  LimitsConfig  `yaml:"limits"`
	Feeds   FeedsConfig   `yaml:"feeds"`
	Digest  DigestConfig  `yaml:"digest"`
	Log     LogConfig     `yaml:"log"`
	Metrics MetricsConfig `yaml:"metrics"`
	Intel   IntelConfig   `yaml:"intel"`
	Watch   WatchConfig   `yaml:"watch"`
}

// LLMConfig says which OpenAI-compatible API summarizes and answers, and how
// much of it one process may use.
type LLMConfig struct {
	// APIType is "openai" for any OpenAI-compatible API, or "azure" for
	// Azure OpenAI, where BaseURL is the resource's endpoint and Model the
	// deployment's name.
	APIType string `yaml:"api_type"`
	// APIVersion is Azure OpenAI's api-version, e.g. 2024-10-21; only with
	// APIType azure.
	APIVersion string `yaml:"api_version"`
	// BaseURL is the API root, e.g. https://api.openai.com/v1 or an Ollama
	// server's http://localhost:11434/v1; its default is $OPENAI_BASE_URL
	// when set.
	BaseURL string `yaml:"base_url"`
	// APIKey is sent as a bearer token; empty is fine for local servers.
	APIKey Secret `yaml:"api_key"`
	// Model is the model name passed with every request.
	Model string `yaml:"model"`
	// Concurrency is the most requests in flight at once.
	Concurrency int `yaml:"concurrency"`
	// Timeout bounds one request, retries not included.
	Timeout Duration `yaml:"timeout"`
	// MaxRetries is how often a request failing with 429, 5xx or a timeout is
	// retried.
	MaxRetries int `yaml:"max_retries"`
	// MaxInputTokens is the token budget of the article text in one request;
	// longer texts are summarized in chunks.
	MaxInputTokens int `yaml:"max_input_tokens"`
	// MaxOutputTokens caps the completion of one request.
	MaxOutputTokens int `yaml:"max_output_tokens"`
	// MaxChunks is the most chunks of a long article that get notes; a
	// longer page is summarized from its first chunks, and says so.
	MaxChunks int `yaml:"max_chunks"`
	// Language is the language summaries and answers are written in.
	Language string `yaml:"language"`
}

// StorageConfig says which database holds secbrief's state: an SQLite file
// for one process, or PostgreSQL shared by several.
type StorageConfig struct {
	// Driver is "sqlite" (the default) or "postgres".
	Driver string `yaml:"driver"`
	// Path is the SQLite database file, relative to the working directory;
	// only with Driver sqlite.
	Path string `yaml:"path"`
	// DSN is the PostgreSQL connection string, a postgres:// URL or a libpq
	// key=value string; required with Driver postgres, refused otherwise. It
	// may hold a password, so it never shows itself (see Secret).
	DSN Secret `yaml:"dsn"`
	// Lease is how long a job one process claimed stays its own before
	// another may take it over.
	Lease Duration `yaml:"lease"`
}

// FetchConfig limits what the article and feed fetchers may reach and read.
type FetchConfig struct {
	// AllowNetworks lists CIDR prefixes (or single addresses) that are
	// reachable although private, loopback or otherwise refused.
	AllowNetworks []string `yaml:"allow_networks"`
	// AllowPorts lists ports allowed in addition to 80 and 443.
	AllowPorts []int `yaml:"allow_ports"`
	// Timeout bounds one whole fetch, redirects and body included.
	Timeout Duration `yaml:"timeout"`
	// IdleTimeout bounds the wait for the next bytes of a response.
	IdleTimeout Duration `yaml:"idle_timeout"`
	// MaxBytes caps a response body after decompression.
	MaxBytes Size `yaml:"max_bytes"`
	// MaxRedirects is the most redirects followed for one fetch.
	MaxRedirects int `yaml:"max_redirects"`
	// UserAgent is sent with every request.
	UserAgent string `yaml:"user_agent"`
}

// DiscordConfig connects the bot to Discord.
type DiscordConfig struct {
	// Token is the bot token, without the "Bot " prefix.
	Token Secret `yaml:"token"`
	// APIBaseURL, when set, replaces https://discord.com as the origin of
	// every REST request (REST proxies, tests).
	APIBaseURL string `yaml:"api_base_url"`
	// GuildID, when set, registers commands on that guild only (instant
	// updates, for development) instead of globally.
	GuildID string `yaml:"guild_id"`
	// AutoThread opens a thread on every public summary.
	AutoThread bool `yaml:"auto_thread"`
	// MessageContentIntent requests the privileged Message Content intent so
	// that plain messages in the bot's threads are answered.
	MessageContentIntent bool `yaml:"message_content_intent"`
	// ShardID and ShardCount split guilds across processes.
	ShardID    int `yaml:"shard_id"`
	ShardCount int `yaml:"shard_count"`
}

// LimitsConfig bounds what users and guilds may spend.
type LimitsConfig struct {
	// PerUserPerMinute limits /summarize and the Summarize menu per user.
	PerUserPerMinute int `yaml:"per_user_per_minute"`
	// AskPerUserPerMinute limits follow-up questions per user.
	AskPerUserPerMinute int `yaml:"ask_per_user_per_minute"`
	// ThreadTurnsPerHour caps answered questions per thread per hour.
	ThreadTurnsPerHour int `yaml:"thread_turns_per_hour"`
	// GuildDailyTokens is each guild's daily LLM token budget; 0 is unlimited.
	GuildDailyTokens int64 `yaml:"guild_daily_tokens"`
}

// FeedsConfig governs feed polling.
type FeedsConfig struct {
	// PollInterval is the time between two polls of every feed.
	PollInterval Duration `yaml:"poll_interval"`
	// MaxFailures is the number of consecutive failures after which a feed
	// is disabled.
	MaxFailures int `yaml:"max_failures"`
	// Defaults are the feed URLs a new guild starts with.
	Defaults []string `yaml:"defaults"`
}

// DigestConfig governs digests.
type DigestConfig struct {
	// Lookback is how far back a new feed's items may go into a digest.
	Lookback Duration `yaml:"lookback"`
	// MaxItems is the most stories in one digest.
	MaxItems int `yaml:"max_items"`
	// MaxCandidates is the most unseen items one digest considers, newest
	// first; older ones are marked seen, never posted late.
	MaxCandidates int `yaml:"max_candidates"`
	// LLMMerge asks the LLM, once per digest, about the pairs of items
	// clustering is unsure are one story.
	LLMMerge bool `yaml:"llm_merge"`
	// Grace is how late a digest missed while the bot was down may still be
	// posted on start.
	Grace Duration `yaml:"grace"`
	// Channels are digests declared by the operator, in addition to those set
	// up with /digest setup.
	Channels []DigestChannel `yaml:"channels"`
}

// DigestChannel is one digest declared in the configuration.
type DigestChannel struct {
	// GuildID is the guild the channel belongs to; when empty, the bot
	// looks it up from the channel at start.
	GuildID string `yaml:"guild_id"`
	// ChannelID is the channel the digest is posted in.
	ChannelID string `yaml:"channel_id"`
	// Schedule is a 5-field cron expression or a descriptor such as @daily
	// or "@every 6h", read in Timezone; see Cron.
	Schedule string `yaml:"schedule"`
	// Timezone is an IANA time zone name; empty means UTC.
	Timezone string `yaml:"timezone"`
}

// LogConfig governs the process's log.
type LogConfig struct {
	// Level is debug, info, warn or error.
	Level string `yaml:"level"`
	// Format is text or json.
	Format string `yaml:"format"`
}

// MetricsConfig says where `secbrief run` serves its Prometheus metrics.
type MetricsConfig struct {
	// Listen is the host:port of the /metrics endpoint, e.g. 127.0.0.1:9464;
	// empty serves none.
	Listen string `yaml:"listen"`
}

// DefaultBaseURL is the default llm.base_url when $OPENAI_BASE_URL is not
// set.
const DefaultBaseURL = "https://api.openai.com/v1"

// The values of storage.driver.
const (
	// DriverSQLite is an SQLite file (the default).
	DriverSQLite = "sqlite"
	// DriverPostgres is a PostgreSQL database, which several processes may
	// share.
	DriverPostgres = "postgres"
)

// The values of llm.api_type.
const (
	// APITypeOpenAI is any OpenAI-compatible API (the default).
	APITypeOpenAI = "openai"
	// APITypeAzure is Azure OpenAI.
	APITypeAzure = "azure"
)

// DefaultFeeds is the curated list of security news feeds a new guild
// starts with when feeds.defaults is left out.
func DefaultFeeds() []string {
	return []string{
		"https://www.bleepingcomputer.com/feed/",
		"https://feeds.feedburner.com/TheHackersNews",
		"https://krebsonsecurity.com/feed/",
		"https://www.securityweek.com/feed/",
		"https://www.cisa.gov/cybersecurity-advisories/all.xml",
		"https://www.schneier.com/feed/atom/",
		"https://www.darkreading.com/rss.xml",
		"https://www.microsoft.com/en-us/security/blog/feed/",
	}
}

// Default returns the configuration used for every key a file leaves out.
// A key whose package also defaults a zero option takes the one value both
// share (internal/defaults).
func Default() Config {
	return Config{
		LLM: LLMConfig{
			APIType:         APITypeOpenAI,
			BaseURL:         DefaultBaseURL,
			Model:           defaults.LLMModel,
			Concurrency:     defaults.LLMConcurrency,
			Timeout:         Duration(defaults.LLMTimeout),
			MaxRetries:      defaults.LLMMaxRetries,
			MaxInputTokens:  defaults.LLMMaxInputTokens,
			MaxOutputTokens: defaults.LLMMaxOutputTokens,
			MaxChunks:       defaults.LLMMaxChunks,
			Language:        defaults.LLMLanguage,
		},
		Storage: StorageConfig{
			Driver: DriverSQLite,
			Path:   "secbrief.db",
			Lease:  Duration(defaults.StorageLease),
		},
		Fetch: FetchConfig{
			Timeout:      Duration(defaults.FetchTimeout),
			IdleTimeout:  Duration(defaults.FetchIdleTimeout),
			MaxBytes:     defaults.FetchMaxBytes,
			MaxRedirects: defaults.FetchMaxRedirects,
			UserAgent:    defaults.FetchUserAgent,
		},
		Discord: DiscordConfig{
			AutoThread: true,
			ShardCount: 1,
		},
		Limits: LimitsConfig{
			PerUserPerMinute:    4,
			AskPerUserPerMinute: 6,
			ThreadTurnsPerHour:  30,
		},
		Feeds: FeedsConfig{
			PollInterval: Duration(defaults.FeedPollInterval),
			MaxFailures:  defaults.FeedMaxFailures,
			Defaults:     DefaultFeeds(),
		},
		Digest: DigestConfig{
			Lookback:      Duration(defaults.DigestLookback),
			MaxItems:      defaults.DigestMaxItems,
			MaxCandidates: defaults.DigestMaxCandidates,
			Grace:         Duration(defaults.DigestGrace),
		},
		Log:   LogConfig{Level: "info", Format: "text"},
		Intel: defaultIntel(),
		Watch: defaultWatch(),
	}
}
