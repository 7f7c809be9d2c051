package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// valid returns a configuration that passes every check, with secrets set.
func valid() Config {
	c := Default()
	c.LLM.APIKey = "sk-test"
	c.Discord.Token = "discord-test"
	return c
}

// fieldErrors returns the *FieldError values joined in err.
func fieldErrors(t *testing.T, err error) []*FieldError {
	t.Helper()
	if err == nil {
		return nil
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("Validate error %T is not a join", err)
	}
	var out []*FieldError
	for _, e := range joined.Unwrap() {
		var fe *FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("error %v is not a *FieldError", e)
		}
		out = append(out, fe)
	}
	return out
}

func TestValidateDefaults(t *testing.T) {
	if err := valid().Validate(NeedLLM, NeedDiscord); err != nil {
		t.Errorf("a valid config fails: %v", err)
	}
	if err := Default().Validate(); err != nil {
		t.Errorf("defaults fail structural checks: %v", err)
	}
}

func TestValidate(t *testing.T) {
	channel := DigestChannel{GuildID: "81384788765712384", ChannelID: "81384788765712385", Schedule: "0 8 * * *", Timezone: "Europe/Paris"}
	tests := []struct {
		name   string
		mutate func(c *Config)
		needs  []Need
		key    string
		msg    string // substring of the message
	}{
		{"concurrency zero", func(c *Config) { c.LLM.Concurrency = 0 }, nil, "llm.concurrency", "must be ≥ 1, got 0"},
		{"base url not http", func(c *Config) { c.LLM.BaseURL = "ftp://x/v1" }, nil, "llm.base_url", "must be an http(s) URL"},
		{"base url relative", func(c *Config) { c.LLM.BaseURL = "/v1" }, nil, "llm.base_url", "http(s) URL"},
		{"base url with credentials", func(c *Config) { c.LLM.BaseURL = "https://u:hunter2@x/v1" }, nil, "llm.base_url", "credentials"},
		{"api key for openai", func(c *Config) { c.LLM.APIKey = "" }, []Need{NeedLLM}, "llm.api_key", "required"},
		{"empty model", func(c *Config) { c.LLM.Model = " " }, nil, "llm.model", "must not be empty"},
		{"zero llm timeout", func(c *Config) { c.LLM.Timeout = 0 }, nil, "llm.timeout", "positive"},
		{"too many retries", func(c *Config) { c.LLM.MaxRetries = 11 }, nil, "llm.max_retries", "between 0 and 10"},
		{"tiny input budget", func(c *Config) { c.LLM.MaxInputTokens = 10 }, nil, "llm.max_input_tokens", "≥ 1024"},
		{"tiny output budget", func(c *Config) { c.LLM.MaxOutputTokens = 0 }, nil, "llm.max_output_tokens", "≥ 100"},
		{"no chunks", func(c *Config) { c.LLM.MaxChunks = 0 }, nil, "llm.max_chunks", "between 1 and 64, got 0"},
		{"too many chunks", func(c *Config) { c.LLM.MaxChunks = 65 }, nil, "llm.max_chunks", "between 1 and 64"},
		{"chunks whose notes cannot fit", func(c *Config) { c.LLM.MaxInputTokens = 1024 }, nil, "llm.max_chunks",
			"with llm.max_input_tokens 1024: the notes on every chunk must fit one combining request"},
		{"chunks for the budget", func(c *Config) { c.LLM.MaxInputTokens, c.LLM.MaxChunks = 2000, 40 }, nil, "llm.max_chunks",
			"lower llm.max_chunks or raise llm.max_input_tokens"},
		{"no language", func(c *Config) { c.LLM.Language = "" }, nil, "llm.language", "empty"},
		{"no storage path", func(c *Config) { c.Storage.Path = "" }, nil, "storage.path", "empty"},
		{"bad cidr", func(c *Config) { c.Fetch.AllowNetworks = []string{"10.0.0.0/8", "10.0.0/8"} }, nil, "fetch.allow_networks[1]", `invalid CIDR "10.0.0/8"`},
		{"bad port", func(c *Config) { c.Fetch.AllowPorts = []int{8080, 70000} }, nil, "fetch.allow_ports[1]", "between 1 and 65535"},
		{"zero fetch timeout", func(c *Config) { c.Fetch.Timeout = 0 }, nil, "fetch.timeout", "positive"},
		{"negative idle timeout", func(c *Config) { c.Fetch.IdleTimeout = Duration(-time.Second) }, nil, "fetch.idle_timeout", "positive"},
		{"tiny body cap", func(c *Config) { c.Fetch.MaxBytes = 10 }, nil, "fetch.max_bytes", "≥ 1024"},
		{"negative redirects", func(c *Config) { c.Fetch.MaxRedirects = -1 }, nil, "fetch.max_redirects", "between 0 and 20"},
		{"multi-line user agent", func(c *Config) { c.Fetch.UserAgent = "a\r\nX-Evil: 1" }, nil, "fetch.user_agent", "one line"},
		{"token for run", func(c *Config) { c.Discord.Token = "" }, []Need{NeedDiscord}, "discord.token", "required"},
		{"token with prefix", func(c *Config) { c.Discord.Token = "Bot abc" }, nil, "discord.token", `without the "Bot " prefix`},
		{"api base not a URL", func(c *Config) { c.Discord.APIBaseURL = "discord.local" }, nil, "discord.api_base_url", "http(s) URL"},
		{"api base with path", func(c *Config) { c.Discord.APIBaseURL = "http://proxy:8080/api/v10" }, nil, "discord.api_base_url", "without a path"},
		{"guild id not a snowflake", func(c *Config) { c.Discord.GuildID = "my-server" }, nil, "discord.guild_id", "Discord id"},
		{"shard out of range", func(c *Config) { c.Discord.ShardID = 1 }, nil, "discord.shard_id", "< discord.shard_count (1), got 1"},
		{"no shards", func(c *Config) { c.Discord.ShardCount = 0 }, nil, "discord.shard_count", "≥ 1"},
		{"per user zero", func(c *Config) { c.Limits.PerUserPerMinute = 0 }, nil, "limits.per_user_per_minute", "≥ 1"},
		{"ask zero", func(c *Config) { c.Limits.AskPerUserPerMinute = 0 }, nil, "limits.ask_per_user_per_minute", "≥ 1"},
		{"turns zero", func(c *Config) { c.Limits.ThreadTurnsPerHour = 0 }, nil, "limits.thread_turns_per_hour", "≥ 1"},
		{"negative budget", func(c *Config) { c.Limits.GuildDailyTokens = -1 }, nil, "limits.guild_daily_tokens", "≥ 0"},
		{"impolite polling", func(c *Config) { c.Feeds.PollInterval = Duration(10 * time.Second) }, nil, "feeds.poll_interval", "at least 1m"},
		{"max failures zero", func(c *Config) { c.Feeds.MaxFailures = 0 }, nil, "feeds.max_failures", "≥ 1"},
		{"feed not a URL", func(c *Config) { c.Feeds.Defaults = []string{"https://a/feed", "feed.xml"} }, nil, "feeds.defaults[1]", "http(s) URL"},
		{"duplicate feed", func(c *Config) { c.Feeds.Defaults = []string{"https://a/feed", "https://a/feed"} }, nil, "feeds.defaults[1]", "duplicate of feeds.defaults[0]"},
		{"zero lookback", func(c *Config) { c.Digest.Lookback = 0 }, nil, "digest.lookback", "positive"},
		{"too many items", func(c *Config) { c.Digest.MaxItems = 500 }, nil, "digest.max_items", "between 1 and 100"},
		{"no candidates", func(c *Config) { c.Digest.MaxCandidates = 0 }, nil, "digest.max_candidates", "between 1 and 100000"},
		{"negative grace", func(c *Config) { c.Digest.Grace = Duration(-time.Hour) }, nil, "digest.grace", "negative"},
		{"unknown time zone", func(c *Config) {
			ch := channel
			ch.Timezone = "Mars/Olympus"
			c.Digest.Channels = []DigestChannel{ch}
		}, nil, "digest.channels[0].timezone", `unknown time zone "Mars/Olympus"`},
		{"host time zone", func(c *Config) {
			ch := channel
			ch.Timezone = "Local"
			c.Digest.Channels = []DigestChannel{ch}
		}, nil, "digest.channels[0].timezone", "IANA"},
		{"bad cron", func(c *Config) {
			ch := channel
			ch.Schedule = "0 25 * * *"
			c.Digest.Channels = []DigestChannel{channel, ch}
			c.Digest.Channels[1].ChannelID = "81384788765712386"
		}, nil, "digest.channels[1].schedule", "5-field cron"},
		{"six fields", func(c *Config) {
			ch := channel
			ch.Schedule = "0 0 8 * * *"
			c.Digest.Channels = []DigestChannel{ch}
		}, nil, "digest.channels[0].schedule", "schedule"},
		{"TZ prefix", func(c *Config) {
			ch := channel
			ch.Schedule = "TZ=Europe/Paris"
			c.Digest.Channels = []DigestChannel{ch}
		}, nil, "digest.channels[0].schedule", "timezone, not TZ="},
		{"empty schedule", func(c *Config) {
			ch := channel
			ch.Schedule = ""
			c.Digest.Channels = []DigestChannel{ch}
		}, nil, "digest.channels[0].schedule", "empty"},
		{"channel id missing", func(c *Config) {
			ch := channel
			ch.ChannelID = ""
			c.Digest.Channels = []DigestChannel{ch}
		}, nil, "digest.channels[0].channel_id", "Discord id"},
		{"guild id not a snowflake", func(c *Config) {
			ch := channel
			ch.GuildID = "my-server"
			c.Digest.Channels = []DigestChannel{ch}
		}, nil, "digest.channels[0].guild_id", "Discord id"},
		{"duplicate channel", func(c *Config) { c.Digest.Channels = []DigestChannel{channel, channel} }, nil, "digest.channels[1].channel_id", "duplicate of digest.channels[0]"},
		{"log level", func(c *Config) { c.Log.Level = "verbose" }, nil, "log.level", `got "verbose"`},
		{"log format", func(c *Config) { c.Log.Format = "xml" }, nil, "log.format", "text or json"},
		{"metrics listen without port", func(c *Config) { c.Metrics.Listen = "localhost" }, nil, "metrics.listen", "host:port"},
		{"metrics listen bad port", func(c *Config) { c.Metrics.Listen = ":http-alt" }, nil, "metrics.listen", "0 to 65535"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.mutate(&c)
			errs := fieldErrors(t, c.Validate(tt.needs...))
			if len(errs) != 1 {
				t.Fatalf("got %d errors, want 1: %v", len(errs), errs)
			}
			if errs[0].Key != tt.key {
				t.Errorf("key = %q, want %q (%v)", errs[0].Key, tt.key, errs[0])
			}
			if !strings.Contains(errs[0].Msg, tt.msg) {
				t.Errorf("message %q does not contain %q", errs[0].Msg, tt.msg)
			}
			if !strings.HasPrefix(errs[0].Error(), tt.key+": ") {
				t.Errorf("Error() = %q does not start with the key", errs[0].Error())
			}
		})
	}
}

func TestValidateSeveralAtOnce(t *testing.T) {
	c := valid()
	c.LLM.Concurrency = 0
	c.Fetch.AllowNetworks = []string{"bogus"}
	c.Log.Level = "loud"
	c.Digest.Channels = []DigestChannel{{GuildID: "1", ChannelID: "2", Schedule: "@sometimes", Timezone: "Nowhere/Special"}}
	errs := fieldErrors(t, c.Validate())
	var keys []string
	for _, e := range errs {
		keys = append(keys, e.Key)
	}
	want := []string{"llm.concurrency", "fetch.allow_networks[0]", "digest.channels[0].timezone", "digest.channels[0].schedule", "log.level"}
	if strings.Join(keys, ",") != strings.Join(want, ",") {
		t.Errorf("keys = %v, want %v", keys, want)
	}
}

func TestValidateNeeds(t *testing.T) {
	c := Default() // no secrets
	if err := c.Validate(); err != nil {
		t.Errorf("structural checks want no secrets: %v", err)
	}
	if err := c.Validate(NeedDiscord); err == nil || !strings.Contains(err.Error(), "discord.token") || strings.Contains(err.Error(), "llm.api_key") {
		t.Errorf("NeedDiscord: %v", err)
	}
	local := Default()
	local.LLM.BaseURL = "http://localhost:11434/v1"
	if err := local.Validate(NeedLLM); err != nil {
		t.Errorf("a local LLM server needs no key: %v", err)
	}
	if err := c.Validate(NeedLLM); err == nil || !strings.Contains(err.Error(), "llm.api_key") {
		t.Errorf("NeedLLM with api.openai.com and no key: %v", err)
	}
}

func TestValidateNeverShowsSecrets(t *testing.T) {
	const key, token = "sk-SENTINEL-openai-0123456789", "SENTINEL.discord.token"
	c := Default()
	c.LLM.APIKey = key
	c.Discord.Token = "Bot " + token
	c.LLM.BaseURL = "https://user:" + key + "@api.openai.com/v1"
	c.Discord.APIBaseURL = "http://" + token + "/x"
	err := c.Validate(NeedLLM, NeedDiscord)
	if err == nil {
		t.Fatal("want errors")
	}
	for _, s := range []string{key, token} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error text holds a secret: %v", err)
		}
	}
}
