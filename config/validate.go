package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/secbrief/secbrief/summarizer"
)

// Need names something a subcommand is about to use, so that Validate also
// checks the settings only that use requires.
type Need int

const (
	// NeedLLM is for commands that call the LLM (summarize, digest, run):
	// llm.api_key becomes required when llm.base_url is OpenAI's API.
	NeedLLM Need = iota + 1
	// NeedDiscord is for commands that connect to Discord (run):
	// discord.token becomes required.
	NeedDiscord
)

// Token limits below which a request cannot hold the fixed prompt and a
// useful piece of article, or a whole JSON summary.
const (
	minInputTokens  = 1024
	minOutputTokens = 100
)

// maxChunks bounds llm.max_chunks: a summary costs up to max_chunks + 2
// calls.
const maxChunks = 64

// Validate checks every value and returns all problems at once, joined with
// errors.Join; each is a *FieldError naming its key. needs adds the checks
// of what the caller is about to use. No message holds a secret.
func (c Config) Validate(needs ...Need) error {
	v := &validator{}
	c.LLM.validate(v, slices.Contains(needs, NeedLLM))
	c.Storage.validate(v)
	c.Fetch.validate(v)
	c.Discord.validate(v, slices.Contains(needs, NeedDiscord))
	c.Limits.validate(v)
	c.Feeds.validate(v)
	c.Digest.validate(v)
	c.Log.validate(v)
	c.Metrics.validate(v)
	c.Intel.validate(v)
	c.Watch.validate(v)
	return errors.Join(v.errs...)
}

// validator collects FieldErrors.
type validator struct{ errs []error }

func (v *validator) add(key, format string, args ...any) {
	v.errs = append(v.errs, &FieldError{Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) atLeast(key string, got, min int64) {
	if got < min {
		v.add(key, "must be ≥ %d, got %d", min, got)
	}
}

func (v *validator) between(key string, got, min, max int64) {
	if got < min || got > max {
		v.add(key, "must be between %d and %d, got %d", min, max, got)
	}
}

func (v *validator) positive(key string, d Duration) {
	if d <= 0 {
		v.add(key, "must be a positive duration, got %s", d)
	}
}

func (v *validator) notEmpty(key, s string) {
	if strings.TrimSpace(s) == "" {
		v.add(key, "must not be empty")
	}
}

// httpURL checks an http(s) URL without echoing it (it may hold
// credentials) and reports whether it passed.
func (v *validator) httpURL(key, s string) bool {
	u, err := url.Parse(s)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		v.add(key, "must be an http(s) URL")
	case u.User != nil:
		v.add(key, "must not hold credentials")
	default:
		return true
	}
	return false
}

func (l LLMConfig) validate(v *validator, needLLM bool) {
	v.httpURL("llm.base_url", l.BaseURL)
	l.validateAPIType(v)
	if needLLM && l.APIKey == "" && l.NeedsAPIKey() {
		where := "api.openai.com"
		if l.APIType == APITypeAzure {
			where = "Azure OpenAI"
		}
		v.add("llm.api_key", "required for %s: set it, or OPENAI_API_KEY in the environment", where)
	}
	v.notEmpty("llm.model", l.Model)
	v.atLeast("llm.concurrency", int64(l.Concurrency), 1)
	v.positive("llm.timeout", l.Timeout)
	v.between("llm.max_retries", int64(l.MaxRetries), 0, 10)
	v.atLeast("llm.max_input_tokens", int64(l.MaxInputTokens), minInputTokens)
	v.atLeast("llm.max_output_tokens", int64(l.MaxOutputTokens), minOutputTokens)
	// The notes on every chunk must fit the one combining request.
	if fit := summarizer.MaxChunksFor(l.MaxInputTokens); l.MaxChunks < 1 || l.MaxChunks > maxChunks {
		v.between("llm.max_chunks", int64(l.MaxChunks), 1, maxChunks)
	} else if l.MaxInputTokens >= minInputTokens && l.MaxChunks > fit {
		v.add("llm.max_chunks", "must be ≤ %d with llm.max_input_tokens %d: the notes on every chunk must fit one "+
			"combining request; lower llm.max_chunks or raise llm.max_input_tokens", fit, l.MaxInputTokens)
	}
	v.notEmpty("llm.language", l.Language)
}

// validateAPIType checks llm.api_type and what Azure needs with it.
func (l LLMConfig) validateAPIType(v *validator) {
	switch l.APIType {
	case APITypeOpenAI:
		if l.APIVersion != "" {
			v.add("llm.api_version", "only applies with llm.api_type azure")
		}
	case APITypeAzure:
		if l.APIVersion == "" {
			v.add("llm.api_version", "required with llm.api_type azure, e.g. 2024-10-21")
		} else if !apiVersion.MatchString(l.APIVersion) {
			v.add("llm.api_version", "must look like 2024-10-21 or 2025-01-01-preview, got %q", l.APIVersion)
		}
		if l.Model != "" && !deploymentName.MatchString(l.Model) {
			v.add("llm.model", "with llm.api_type azure it is the deployment's name: letters, digits, '.', '-' and '_', got %q", l.Model)
		}
		if u, err := url.Parse(l.BaseURL); err == nil && strings.EqualFold(u.Hostname(), "api.openai.com") {
			v.add("llm.base_url", "with llm.api_type azure, give your resource's endpoint, e.g. https://NAME.openai.azure.com")
		}
	default:
		v.add("llm.api_type", "must be openai or azure, got %q", l.APIType)
	}
}

// deploymentName is the shape of an Azure OpenAI deployment's name.
var deploymentName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// apiVersion is the shape of Azure's api-version values.
var apiVersion = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}(-[a-z0-9]+)?$`)

func (f FetchConfig) validate(v *validator) {
	for i, s := range f.AllowNetworks {
		if _, err := parseNetwork(s); err != nil {
			v.add(fmt.Sprintf("fetch.allow_networks[%d]", i), "invalid CIDR %q", s)
		}
	}
	for i, p := range f.AllowPorts {
		v.between(fmt.Sprintf("fetch.allow_ports[%d]", i), int64(p), 1, 65535)
	}
	v.positive("fetch.timeout", f.Timeout)
	v.positive("fetch.idle_timeout", f.IdleTimeout)
	v.atLeast("fetch.max_bytes", f.MaxBytes.Bytes(), 1024)
	v.between("fetch.max_redirects", int64(f.MaxRedirects), 0, 20)
	v.notEmpty("fetch.user_agent", f.UserAgent)
	if strings.ContainsAny(f.UserAgent, "\r\n") {
		v.add("fetch.user_agent", "must be one line")
	}
}

func (d DiscordConfig) validate(v *validator, needDiscord bool) {
	if needDiscord && d.Token == "" {
		v.add("discord.token", "required to connect to Discord: set it, or DISCORD_TOKEN in the environment")
	}
	if strings.HasPrefix(d.Token.Value(), "Bot ") {
		v.add("discord.token", `give the token without the "Bot " prefix`)
	}
	if d.APIBaseURL != "" && v.httpURL("discord.api_base_url", d.APIBaseURL) {
		if u, _ := url.Parse(d.APIBaseURL); strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
			v.add("discord.api_base_url", "must be an origin such as https://proxy.example:8080, without a path")
		}
	}
	if d.GuildID != "" && !snowflake(d.GuildID) {
		v.add("discord.guild_id", "must be a Discord id (digits), got %q", d.GuildID)
	}
	v.atLeast("discord.shard_count", int64(d.ShardCount), 1)
	if d.ShardID < 0 || (d.ShardCount >= 1 && d.ShardID >= d.ShardCount) {
		v.add("discord.shard_id", "must be ≥ 0 and < discord.shard_count (%d), got %d", d.ShardCount, d.ShardID)
	}
}

func (l LimitsConfig) validate(v *validator) {
	v.atLeast("limits.per_user_per_minute", int64(l.PerUserPerMinute), 1)
	v.atLeast("limits.ask_per_user_per_minute", int64(l.AskPerUserPerMinute), 1)
	v.atLeast("limits.thread_turns_per_hour", int64(l.ThreadTurnsPerHour), 1)
	v.atLeast("limits.guild_daily_tokens", l.GuildDailyTokens, 0)
}

func (f FeedsConfig) validate(v *validator) {
	if f.PollInterval < Duration(time.Minute) {
		v.add("feeds.poll_interval", "must be at least 1m (polite polling), got %s", f.PollInterval)
	}
	v.atLeast("feeds.max_failures", int64(f.MaxFailures), 1)
	seen := make(map[string]int, len(f.Defaults))
	for i, s := range f.Defaults {
		key := fmt.Sprintf("feeds.defaults[%d]", i)
		v.httpURL(key, s)
		if j, dup := seen[s]; dup {
			v.add(key, "duplicate of feeds.defaults[%d]", j)
		} else {
			seen[s] = i
		}
	}
}

func (d DigestConfig) validate(v *validator) {
	v.positive("digest.lookback", d.Lookback)
	v.between("digest.max_items", int64(d.MaxItems), 1, 100)
	v.between("digest.max_candidates", int64(d.MaxCandidates), 1, 100000)
	if d.Grace < 0 {
		v.add("digest.grace", "must not be negative, got %s", d.Grace)
	}
	seen := make(map[string]int, len(d.Channels))
	for i, ch := range d.Channels {
		key := fmt.Sprintf("digest.channels[%d]", i)
		if ch.GuildID != "" && !snowflake(ch.GuildID) {
			v.add(key+".guild_id", "must be a Discord id (digits), got %q", ch.GuildID)
		}
		if !snowflake(ch.ChannelID) {
			v.add(key+".channel_id", "must be a Discord id (digits), got %q", ch.ChannelID)
		} else if j, dup := seen[ch.ChannelID]; dup {
			v.add(key+".channel_id", "duplicate of digest.channels[%d]: one schedule per channel", j)
		} else {
			seen[ch.ChannelID] = i
		}
		if _, err := ch.Location(); err != nil {
			v.add(key+".timezone", "%v", err)
		}
		// Parsed in UTC so that a bad zone is reported once, on timezone.
		if _, err := (DigestChannel{Schedule: ch.Schedule}).Cron(); err != nil {
			v.add(key+".schedule", "%v (use 5-field cron such as \"0 8 * * *\" or @daily, \"@every 6h\")", err)
		}
	}
}

func (m MetricsConfig) validate(v *validator) {
	if m.Listen == "" {
		return
	}
	_, port, err := net.SplitHostPort(m.Listen)
	if err != nil {
		v.add("metrics.listen", "must be host:port (e.g. 127.0.0.1:9464), got %q", m.Listen)
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		v.add("metrics.listen", "port must be a number from 0 to 65535, got %q", port)
	}
}

func (l LogConfig) validate(v *validator) {
	switch strings.ToLower(l.Level) {
	case "debug", "info", "warn", "error":
	default:
		v.add("log.level", "must be debug, info, warn or error, got %q", l.Level)
	}
	switch l.Format {
	case "text", "json":
	default:
		v.add("log.format", "must be text or json, got %q", l.Format)
	}
}

// snowflake reports whether s looks like a Discord id.
func snowflake(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil && s[0] != '+'
}
