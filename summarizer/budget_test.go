package summarizer

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakellm"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/storage"
)

var _ Budget = (*storage.Store)(nil)

// budgetProcesses are two Summarizers, each on its own Store of one SQLite
// file (two processes sharing a database), asking one fakellm server.
func budgetProcesses(t *testing.T, limit int) (a, b *Summarizer, st *storage.Store, llm *fakellm.Server) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secbrief.db")
	llm = fakellm.New(t)
	var sums [2]*Summarizer
	for i := range sums {
		s, err := storage.Open(t.Context(), path, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		st = s
		sums[i] = New(NewClient(llm.URL(), "sk-test", nil), s, Options{
			Model: "test-model", MaxRetries: -1, Timeout: 30 * time.Second,
			GuildDailyTokens: limit, Now: func() time.Time { return testDay },
		}, slog.New(slog.DiscardHandler))
	}
	t.Cleanup(func() { sums[0].Wait(); sums[1].Wait() })
	return sums[0], sums[1], st, llm
}

// usedTokensLLM holds every request until release, then answers with a
// summary that used 700 prompt and 400 completion tokens.
func usedTokensLLM(llm *fakellm.Server) (arrived chan fakellm.Request, release chan struct{}) {
	arrived, release = make(chan fakellm.Request, 8), make(chan struct{})
	llm.SetResponder(func(r fakellm.Request) fakellm.Response {
		arrived <- r
		<-release
		resp := fakellm.Reply(fakellm.SummaryJSON("Acme Router flaw", "high"))
		resp.PromptTokens, resp.CompletionTokens = 700, 400
		return resp
	})
	return arrived, release
}

// Two summaries for one guild at once, in two processes, with a budget
// that only one request fits: one reaches the LLM, the other fails with
// news.ErrBudgetSpent without a call. The budget then counts the real
// usage once; other guilds and the terminal are not held to it.
func TestConcurrentSummariesKeepTheGuildBudget(t *testing.T) {
	a, b, st, llm := budgetProcesses(t, 1000)
	arrived, release := usedTokensLLM(llm)
	ctx := WithGuild(t.Context(), "g")

	first := summarizeAsync(a, ctx, advisory(1))
	recv(t, arrived, "first summary's request")
	second := summarizeAsync(b, ctx, advisory(2))
	select {
	case got := <-second:
		if !errors.Is(got.err, news.ErrBudgetSpent) {
			t.Fatalf("second summary while the first is in flight: %v, want news.ErrBudgetSpent", got.err)
		}
	case <-arrived:
		close(release)
		t.Fatal("the second summary reached the LLM while the first was in flight")
	case <-time.After(30 * time.Second): // a failure guard, never reached when passing
		t.Fatal("no second summary")
	}
	close(release)
	if got := recv(t, first, "first summary"); got.err != nil {
		t.Fatalf("first summary: %v", got.err)
	}
	if n := llm.Calls(); n != 1 {
		t.Errorf("%d LLM calls, want 1", n)
	}
	day := testDay.UTC().Format(time.DateOnly)
	if used, err := st.TokensOn(t.Context(), "g", day); err != nil || used != 1100 {
		t.Errorf("TokensOn = %d, %v; want the 1100 used, counted once", used, err)
	}
	// Settled over the budget: spent for the day, in either process.
	if _, err := a.Summarize(ctx, advisory(3)); !errors.Is(err, news.ErrBudgetSpent) {
		t.Errorf("summary after the budget was spent: %v, want news.ErrBudgetSpent", err)
	}
	for _, guild := range []string{"h", ""} {
		if _, err := b.Summarize(WithGuild(t.Context(), guild), advisory(4)); err != nil {
			t.Errorf("guild %q: %v, want a summary", guild, err)
		}
	}
	if n := llm.Calls(); n != 2 {
		t.Errorf("%d LLM calls, want 2: the other guild's (the terminal's is cached)", n)
	}
}

// A request the LLM refuses gives its reservation back: the guild's budget
// is as before, and nothing is recorded.
func TestFailedRequestReleasesItsReservation(t *testing.T) {
	a, _, st, llm := budgetProcesses(t, 1000)
	llm.Enqueue(fakellm.Response{Status: 400, ErrorMessage: "bad request"})
	if _, err := a.Summarize(WithGuild(t.Context(), "g"), advisory(1)); err == nil {
		t.Fatal("summary of a refused request succeeded")
	}
	day := testDay.UTC().Format(time.DateOnly)
	if used, err := st.TokensOn(context.Background(), "g", day); err != nil || used != 0 {
		t.Errorf("TokensOn = %d, %v; want 0", used, err)
	}
	if rows, err := st.GuildUsage(context.Background(), "g", day, day); err != nil || len(rows) != 0 {
		t.Errorf("usage = %+v, %v; want none", rows, err)
	}
}

// Without a budget (0) every request is still reserved and settled: the
// store records each one's usage exactly once, estimates standing in when
// the server reports none.
func TestUnlimitedUsageRecordedOnce(t *testing.T) {
	tests := []struct {
		name               string
		prompt, completion int
		wantEstimate       bool
	}{
		{"server reports usage", 321, 45, false},
		{"server reports none", 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _, st, llm := budgetProcesses(t, 0)
			llm.SetResponder(func(r fakellm.Request) fakellm.Response {
				resp := fakellm.Reply(fakellm.SummaryJSON("Acme Router flaw", "high"))
				resp.PromptTokens, resp.CompletionTokens = tt.prompt, tt.completion
				if tt.wantEstimate {
					resp.RawBody = `{"id":"x","object":"chat.completion","model":"test-model","choices":[{"index":0,` +
						`"message":{"role":"assistant","content":` + quoteJSON(t, resp.Content) + `},"finish_reason":"stop"}]}`
				}
				return resp
			})
			if _, err := a.Summarize(WithGuild(t.Context(), "g"), advisory(1)); err != nil {
				t.Fatal(err)
			}
			day := testDay.UTC().Format(time.DateOnly)
			rows, err := st.GuildUsage(context.Background(), "g", day, day)
			if err != nil || len(rows) != 1 {
				t.Fatalf("usage = %+v, %v; want one row", rows, err)
			}
			u := rows[0]
			switch {
			case tt.wantEstimate && (u.PromptTokens < 100 || u.CompletionTokens < 10):
				t.Errorf("usage %+v, want estimates of the prompt and the reply", u)
			case !tt.wantEstimate && (u.PromptTokens != tt.prompt || u.CompletionTokens != tt.completion):
				t.Errorf("usage %+v, want %d+%d", u, tt.prompt, tt.completion)
			}
			if used, _ := st.TokensOn(context.Background(), "g", day); used != u.PromptTokens+u.CompletionTokens {
				t.Errorf("TokensOn = %d, want the usage alone (%d), no reservation left", used, u.PromptTokens+u.CompletionTokens)
			}
		})
	}
}

// quoteJSON is s as a JSON string.
func quoteJSON(t *testing.T, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
