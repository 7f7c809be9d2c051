package config

import (
	"log/slog"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/secbrief/secbrief/internal/schedule"
)

// Networks returns fetch.allow_networks parsed; a single address counts as
// a /32 (or /128). Entries that do not parse are left out: Validate
// reports them.
func (f FetchConfig) Networks() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(f.AllowNetworks))
	for _, s := range f.AllowNetworks {
		if p, err := parseNetwork(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// parseNetwork parses a CIDR prefix or a single address, masked.
func parseNetwork(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Location returns the channel's time zone; an empty Timezone is UTC.
func (d DigestChannel) Location() (*time.Location, error) {
	return schedule.Location(d.Timezone)
}

// Cron parses the channel's schedule (5-field cron or a descriptor
// such as @daily or "@every 30m") in the channel's time zone with the one
// schedule parser, the one /digest setup uses: a wall time that repeats
// when clocks go back runs once.
func (d DigestChannel) Cron() (cron.Schedule, error) {
	return schedule.Parse(d.Schedule, d.Timezone)
}

// NeedsAPIKey reports whether the API refuses requests without a key:
// OpenAI's own and Azure OpenAI; local servers (Ollama, llama.cpp) need none.
func (l LLMConfig) NeedsAPIKey() bool {
	if l.APIType == APITypeAzure {
		return true
	}
	u, err := url.Parse(l.BaseURL)
	return err == nil && strings.EqualFold(u.Hostname(), "api.openai.com")
}

// SlogLevel returns log.level as a slog.Level (info when unknown: Validate
// reports it).
func (l LogConfig) SlogLevel() slog.Level {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(l.Level)); err != nil {
		return slog.LevelInfo
	}
	return lv
}
