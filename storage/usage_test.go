package storage

import (
	"context"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

func TestUsage(t *testing.T) {
	clock := &testClock{t: time.Date(2025, 6, 30, 23, 59, 0, 0, time.FixedZone("X", -5*3600))}
	s := openTestStore(t, WithClock(clock.Now))
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
}

func TestAddUsageRejects(t *testing.T) {
	s := openTestStore(t)
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
}
