package commands

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/secbrief/secbrief/bot"

	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/storage"
)

// Direct messages have a daily ceiling too: each member's direct messages
// are a payer of their own, never the terminal's (guild "") nor unbounded.
func TestDirectMessagesHaveADailyBudget(t *testing.T) {
	ctx := context.Background()
	st, err := storage.Open(ctx, filepath.Join(t.TempDir(), "budget.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	day := usageToday.UTC().Format("2006-01-02")
	for _, u := range []news.Usage{
		{GuildID: "dm:5", Day: day, Model: "m", PromptTokens: 9000, CompletionTokens: 1000},
		{GuildID: "", Day: day, Model: "m", PromptTokens: 50000}, // the terminal's own use
		{GuildID: "1", Day: day, Model: "m", PromptTokens: 10},
	} {
		if err := st.AddUsage(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	r := New(nil, nil, st, Options{GuildDailyTokens: 10000, Now: func() time.Time { return usageToday }},
		slog.New(slog.DiscardHandler))
	dm := func(user string) bot.Request { return bot.Request{UserID: user} }
	inGuild := bot.Request{GuildID: "1", UserID: "5"}
	tests := []struct {
		name  string
		i     bot.Request
		payer string
		want  error
	}{
		{"member whose direct messages spent the budget", dm("5"), "dm:5", errDMBudgetSpent},
		{"another member's direct messages", dm("6"), "dm:6", nil},
		{"the same member in a server", inGuild, "1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := payer(tt.i); got != tt.payer {
				t.Fatalf("payer = %q, want %q", got, tt.payer)
			}
			if err := r.checkBudget(ctx, payer(tt.i)); !errors.Is(err, tt.want) && err != tt.want {
				t.Errorf("checkBudget(%s) = %v, want %v", tt.payer, err, tt.want)
			}
		})
	}
}

// /summarize in a direct message is refused once that member's direct
// messages spent the day's budget, before anything is deferred or fetched.
func TestSummarizeInDirectMessageRespectsItsBudget(t *testing.T) {
	ctx := context.Background()
	st, err := storage.Open(ctx, filepath.Join(t.TempDir(), "budget.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	day := usageToday.UTC().Format("2006-01-02")
	if err := st.AddUsage(ctx, news.Usage{GuildID: "dm:5", Day: day, Model: "m", PromptTokens: 10000}); err != nil {
		t.Fatal(err)
	}
	r := New(nil, nil, st, Options{GuildDailyTokens: 10000, Now: func() time.Time { return usageToday }},
		slog.New(slog.DiscardHandler))
	req := bot.Request{Name: cmdSummarize, UserID: "5", Options: map[string]any{"url": "https://example.com/advisory"}}
	if res := run(ctx, r.summarize, req); res.err != errDMBudgetSpent || res.deferred {
		t.Fatalf("result %+v, want the direct-message budget refusal before any deferral", res)
	}
}
