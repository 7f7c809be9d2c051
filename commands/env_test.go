package commands

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/internal/fakellm"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/storage"
	"github.com/secbrief/secbrief/summarizer"
)

// testNow is the handlers' clock in the tests.
var testNow = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// advisoryText is an article the fake fetcher serves.
const advisoryText = "Acme patched CVE-2026-12345, an authentication bypass in Acme Gateway 7.0 to 7.2 exploited in the wild. Upgrade to 7.2.1."

// pageFetcher "fetches" every link as one advisory; a link in errs fails
// with its error, and a link in moved is served from another URL.
type pageFetcher struct {
	mu      sync.Mutex
	errs    map[string]error
	moved   map[string]string
	fetches int
}

func (f *pageFetcher) Fetch(_ context.Context, link string) (news.Article, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fetches++
	if err := f.errs[link]; err != nil {
		return news.Article{}, err
	}
	if to, ok := f.moved[link]; ok {
		link = to
	}
	return news.Article{URL: link, Title: "Acme Gateway flaw", Site: "example.com", Text: advisoryText}, nil
}

// env is a Table on the real summarizer, a fakellm server and a SQLite
// store in t.TempDir().
type env struct {
	t     *Table
	st    *storage.Store
	sum   *summarizer.Summarizer
	llm   *fakellm.Server
	fetch *pageFetcher
}

// newEnv returns an env whose Table has opts (clock testNow unless set).
func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	st, err := storage.Open(t.Context(), filepath.Join(t.TempDir(), "secbrief.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{st: st, llm: fakellm.New(t), fetch: &pageFetcher{}}
	if opts.Now == nil {
		opts.Now = func() time.Time { return testNow }
	}
	// The summarizer keeps the table's budget and clock, as cmd/secbrief wires them.
	e.sum = summarizer.New(summarizer.NewClient(e.llm.URL(), "sk-test", nil), st,
		summarizer.Options{Model: "test-model", MaxRetries: -1, Timeout: 30 * time.Second,
			GuildDailyTokens: opts.GuildDailyTokens, Now: opts.Now}, nil)
	t.Cleanup(func() { e.sum.Wait(); st.Close() })
	e.t = New(e.sum, e.fetch, st, opts, slog.New(slog.DiscardHandler))
	return e
}

// entry returns the table's entry named name.
func entry(t *testing.T, cmds []bot.Command, name string) bot.Command {
	t.Helper()
	for _, c := range cmds {
		if c.Definition != nil && c.Definition.Name == name {
			return c
		}
	}
	t.Fatalf("no command %q in the table", name)
	return bot.Command{}
}

// result is what a handler ended with, as the bot would see it.
type result struct {
	resp     bot.Response
	deferred bool // the handler left work for later
	err      error
}

// run handles req with h as the bot does: Handle, then the work left for
// later, if any.
func run(ctx context.Context, h func(context.Context, bot.Request) (bot.Response, error), req bot.Request) result {
	resp, err := h(ctx, req)
	r := result{resp: resp, err: err}
	for r.err == nil && r.resp.Later != nil {
		r.deferred = true
		r.resp, r.err = r.resp.Later(ctx)
	}
	return r
}

// inGuild is a request from user-1 with Manage Server in channel-1 of
// guild-1.
func inGuild(name string, opts map[string]any) bot.Request {
	return bot.Request{Name: name, Options: opts, UserID: "user-1", GuildID: "guild-1", ChannelID: "channel-1",
		Permissions: manageGuild, InteractionID: "i-1"}
}

// isUserError reports whether err is shown to users as want.
func isUserError(err error, want string) bool {
	var ue *UserError
	return errors.As(err, &ue) && ue.Msg == want
}
