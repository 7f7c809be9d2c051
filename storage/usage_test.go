package storage

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

func TestUsage(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		clock := &testClock{t: time.Date(2025, 6, 30, 23, 59, 0, 0, time.FixedZone("X", -5*3600))}
		s := open(t, WithClock(clock.Now))
		ctx := context.Background()
		adds := []news.Usage{
			{GuildID: "g1", Day: "2025-06-30", Model: "m1", PromptTokens: 100, CompletionTokens: 20},
			{GuildID: "g1", Day: "2025-06-30", Model: "m1", PromptTokens: 50, CompletionTokens: 5},
			{GuildID: "g1", Day: "2025-06-30", Model: "m2", PromptTokens: 10, CompletionTokens: 1},
			{GuildID: "g1", Day: "2025-06-29", Model: "m1", PromptTokens: 1000},
			{GuildID: "g2", Day: "2025-06-30", Model: "m1", CompletionTokens: 7},
			{GuildID: "", Day: "2025-06-30", Model: "m1", PromptTokens: 3},
			{GuildID: "g3", Model: "m1", PromptTokens: 9}, // today by the clock, in UTC
		}
		for _, u := range adds {
			if err := s.AddUsage(ctx, u); err != nil {
				t.Fatalf("AddUsage(%+v): %v", u, err)
			}
		}
		cases := []struct {
			name  string
			guild string
			day   string
			want  int
		}{
			{"accumulates across calls and models", "g1", "2025-06-30", 186},
			{"other day", "g1", "2025-06-29", 1000},
			{"other guild", "g2", "2025-06-30", 7},
			{"terminal (no guild)", "", "2025-06-30", 3},
			{"empty day is today in UTC", "g3", "2025-07-01", 9},
			{"nothing recorded", "g9", "2025-06-30", 0},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got, err := s.TokensOn(ctx, c.guild, c.day)
				if err != nil {
					t.Fatal(err)
				}
				if got != c.want {
					t.Errorf("TokensOn(%q, %s) = %d, want %d", c.guild, c.day, got, c.want)
				}
			})
		}
	})
}

func TestAddUsageRejects(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		s := open(t)
		cases := []struct {
			name string
			u    news.Usage
		}{
			{"bad day", news.Usage{GuildID: "g", Day: "30/06/2025", Model: "m", PromptTokens: 1}},
			{"negative prompt", news.Usage{GuildID: "g", Day: "2025-06-30", Model: "m", PromptTokens: -1}},
			{"negative completion", news.Usage{GuildID: "g", Day: "2025-06-30", Model: "m", CompletionTokens: -1}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if err := s.AddUsage(context.Background(), c.u); err == nil {
					t.Errorf("AddUsage(%+v) succeeded", c.u)
				}
			})
		}
	})
}

// TestUsageRange: the day-range queries return one row per guild, day and
// model inside the range (both ends included), newest day first, and
// GuildUsage never returns another guild's rows. The days come from the
// injected clock, in UTC, as the bot records them.
func TestUsageRange(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		clock := &testClock{t: time.Date(2025, 6, 28, 12, 0, 0, 0, time.UTC)}
		s := open(t, WithClock(clock.Now))
		ctx := context.Background()
		add := func(guild, model string, prompt, completion int) {
			t.Helper()
			if err := s.AddUsage(ctx, news.Usage{GuildID: guild, Model: model, PromptTokens: prompt, CompletionTokens: completion}); err != nil {
				t.Fatal(err)
			}
		}
		add("g1", "m1", 1, 1) // 2025-06-28
		clock.t = clock.t.Add(24 * time.Hour)
		add("g1", "m1", 10, 2) // 2025-06-29
		add("g2", "m1", 5, 0)
		clock.t = clock.t.Add(24 * time.Hour)
		add("g1", "m2", 7, 3) // 2025-06-30
		add("g1", "m1", 4, 4)
		add("", "m1", 9, 1)
		add("g1", "m1", 1, 0) // accumulates into the row above
		clock.t = clock.t.Add(24 * time.Hour)
		add("g1", "m1", 100, 100) // 2025-07-01: after the range

		all, err := s.Usage(ctx, "2025-06-29", "2025-06-30")
		if err != nil {
			t.Fatal(err)
		}
		want := []news.Usage{
			{GuildID: "", Day: "2025-06-30", Model: "m1", PromptTokens: 9, CompletionTokens: 1},
			{GuildID: "g1", Day: "2025-06-30", Model: "m1", PromptTokens: 5, CompletionTokens: 4},
			{GuildID: "g1", Day: "2025-06-30", Model: "m2", PromptTokens: 7, CompletionTokens: 3},
			{GuildID: "g1", Day: "2025-06-29", Model: "m1", PromptTokens: 10, CompletionTokens: 2},
			{GuildID: "g2", Day: "2025-06-29", Model: "m1", PromptTokens: 5},
		}
		if !slices.Equal(all, want) {
			t.Errorf("Usage(06-29, 06-30) =\n%+v\nwant\n%+v", all, want)
		}

		g2, err := s.GuildUsage(ctx, "g2", "2025-06-01", "2025-07-31")
		if err != nil {
			t.Fatal(err)
		}
		if want := []news.Usage{{GuildID: "g2", Day: "2025-06-29", Model: "m1", PromptTokens: 5}}; !slices.Equal(g2, want) {
			t.Errorf("GuildUsage(g2) = %+v, want %+v", g2, want)
		}
		g1, err := s.GuildUsage(ctx, "g1", "2025-06-28", "2025-07-01")
		if err != nil {
			t.Fatal(err)
		}
		var days []string
		for _, u := range g1 {
			if u.GuildID != "g1" {
				t.Errorf("GuildUsage(g1) returned a row of guild %q", u.GuildID)
			}
			days = append(days, u.Day+" "+u.Model)
		}
		if want := []string{"2025-07-01 m1", "2025-06-30 m1", "2025-06-30 m2", "2025-06-29 m1", "2025-06-28 m1"}; !slices.Equal(days, want) {
			t.Errorf("GuildUsage(g1) rows %q, want %q", days, want)
		}

		none, err := s.Usage(ctx, "2024-01-01", "2024-12-31")
		if err != nil || len(none) != 0 {
			t.Errorf("Usage of a range without usage = %+v, %v; want no rows", none, err)
		}
	})
}

func TestUsageRangeRejectsBadDays(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		s := open(t)
		ctx := context.Background()
		for _, r := range [][2]string{{"2025-6-1", "2025-06-30"}, {"2025-06-01", "tomorrow"}, {"", "2025-06-30"}} {
			if _, err := s.Usage(ctx, r[0], r[1]); err == nil {
				t.Errorf("Usage(%q, %q) succeeded", r[0], r[1])
			}
			if _, err := s.GuildUsage(ctx, "g", r[0], r[1]); err == nil {
				t.Errorf("GuildUsage(%q, %q) succeeded", r[0], r[1])
			}
		}
	})
}
