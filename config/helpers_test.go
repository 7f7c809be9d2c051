package config

import (
	"log/slog"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

func TestNetworks(t *testing.T) {
	f := FetchConfig{AllowNetworks: []string{"10.1.2.3/8", "192.168.1.5", "fd00::/8", "bogus", " 100.64.0.0/10 "}}
	want := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("192.168.1.5/32"),
		netip.MustParsePrefix("fd00::/8"),
		netip.MustParsePrefix("100.64.0.0/10"),
	}
	if got := f.Networks(); !reflect.DeepEqual(got, want) {
		t.Errorf("Networks() = %v, want %v", got, want)
	}
}

func TestCronInChannelZone(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	tests := []struct {
		name     string
		ch       DigestChannel
		from     time.Time
		wantNext time.Time
	}{
		{
			name:     "08:00 Paris in winter is 07:00 UTC",
			ch:       DigestChannel{Schedule: "0 8 * * *", Timezone: "Europe/Paris"},
			from:     time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC),
			wantNext: time.Date(2026, 1, 11, 8, 0, 0, 0, paris),
		},
		{
			name:     "across the spring DST change",
			ch:       DigestChannel{Schedule: "0 8 * * *", Timezone: "Europe/Paris"},
			from:     time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC),
			wantNext: time.Date(2026, 3, 29, 6, 0, 0, 0, time.UTC), // CEST: UTC+2
		},
		{
			name:     "descriptor",
			ch:       DigestChannel{Schedule: "@daily", Timezone: "Europe/Paris"},
			from:     time.Date(2026, 7, 1, 21, 59, 0, 0, time.UTC),
			wantNext: time.Date(2026, 7, 1, 22, 0, 0, 0, time.UTC),
		},
		{
			name:     "every",
			ch:       DigestChannel{Schedule: "@every 30s"},
			from:     time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC),
			wantNext: time.Date(2026, 7, 1, 0, 0, 30, 0, time.UTC),
		},
		{
			name:     "empty zone is UTC",
			ch:       DigestChannel{Schedule: "30 6 * * 1-5"},
			from:     time.Date(2026, 7, 3, 7, 0, 0, 0, paris), // Friday 05:00 UTC
			wantNext: time.Date(2026, 7, 3, 6, 30, 0, 0, time.UTC),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sched, err := tt.ch.Cron()
			if err != nil {
				t.Fatal(err)
			}
			if got := sched.Next(tt.from); !got.Equal(tt.wantNext) {
				t.Errorf("Next(%v) = %v, want %v", tt.from, got, tt.wantNext)
			}
		})
	}
}

func TestLocation(t *testing.T) {
	for _, tz := range []string{"", "UTC"} {
		if loc, err := (DigestChannel{Timezone: tz}).Location(); err != nil || loc != time.UTC {
			t.Errorf("Location(%q) = %v, %v", tz, loc, err)
		}
	}
	for _, tz := range []string{"Local", "Mars/Olympus", "../etc/passwd"} {
		if _, err := (DigestChannel{Timezone: tz}).Location(); err == nil {
			t.Errorf("Location(%q) accepted", tz)
		}
	}
}

func TestNeedsAPIKey(t *testing.T) {
	for in, want := range map[string]bool{DefaultBaseURL: true, "https://API.OpenAI.com/v1": true, "http://localhost:11434/v1": false, "https://openrouter.ai/api/v1": false} {
		if got := (LLMConfig{BaseURL: in}).NeedsAPIKey(); got != want {
			t.Errorf("NeedsAPIKey(%q) = %v", in, got)
		}
	}
}

func TestSlogLevel(t *testing.T) {
	for in, want := range map[string]slog.Level{"debug": slog.LevelDebug, "INFO": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError, "loud": slog.LevelInfo} {
		if got := (LogConfig{Level: in}).SlogLevel(); got != want {
			t.Errorf("SlogLevel(%q) = %v", in, got)
		}
	}
}
