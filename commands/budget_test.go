package commands

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
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

// Work that passed the budget check can still find the budget gone when
// its LLM request is about to start: another request, maybe in another
// process, reserved the rest in between. The summarizer then refuses
// without calling the LLM, and the user sees the same budget message as
// from the check, as a refusal (package bot shows every error ephemerally:
// after a public deferral the placeholder goes and an ephemeral follow-up
// says it).
func TestBudgetTakenAfterTheCheck(t *testing.T) {
	dmText := bot.Request{Name: cmdSummarize, CustomID: modalSummarizeText, UserID: "user-9",
		Fields: map[string]string{fieldArticleText: strings.Repeat(advisoryText+" ", 5)}}
	tests := []struct {
		name  string
		req   bot.Request
		payer string
		want  *UserError
	}{
		{"link in a server", inGuild(cmdSummarize, map[string]any{"url": advisoryLink}), "guild-1", errBudgetSpent},
		{"link in a direct message", bot.Request{Name: cmdSummarize, UserID: "user-9",
			Options: map[string]any{"url": advisoryLink}}, "dm:user-9", errDMBudgetSpent},
		{"pasted text in a direct message", dmText, "dm:user-9", errDMBudgetSpent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Options{GuildDailyTokens: 10000})
			ctx := t.Context()
			resp, err := e.t.summarize(ctx, tt.req)
			if err != nil || resp.Later == nil {
				t.Fatalf("summarize = %+v, %v; want work for later", resp, err)
			}
			// Another process's request takes the rest of the budget.
			if _, err := e.st.ReserveTokens(ctx, tt.payer, testNow.UTC().Format(time.DateOnly), 10000, 10000); err != nil {
				t.Fatal(err)
			}
			_, err = resp.Later(ctx)
			if !isUserError(err, tt.want.Msg) || !errors.Is(err, news.ErrBudgetSpent) {
				t.Fatalf("later: %v, want the budget refusal", err)
			}
			if got := e.t.UserMessage(err); got != tt.want.Msg {
				t.Errorf("user message %q, want %q", got, tt.want.Msg)
			}
			if !e.t.Refused(err) {
				t.Error("a spent budget is logged as a failure, not a refusal")
			}
			if n := e.llm.Calls(); n != 0 {
				t.Errorf("%d LLM calls, want none", n)
			}
		})
	}
}
