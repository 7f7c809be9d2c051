package watchalert

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakeclock"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/storage"
)

var t0 = time.Date(2026, 7, 5, 6, 0, 0, 0, time.UTC)

const (
	guild  = "g1"
	feedA  = "https://a.example/feed"
	feedB  = "https://b.example/feed"
	feedC  = "https://c.example/feed"
	chanA  = "100"
	chanB  = "200"
	roleOn = "4242"
)

// post is one message the fake poster created.
type post struct {
	channelID string
	stories   []news.WatchedStory
	batch     bool
	nonce     string
}

// fakePoster records posts; fail, when set, fails them.
type fakePoster struct {
	mu    sync.Mutex
	posts []post
	fail  error
	ids   int
}

func (p *fakePoster) PostWatchAlert(_ context.Context, channelID string, ws news.WatchedStory, nonce string) (string, error) {
	return p.add(post{channelID: channelID, stories: []news.WatchedStory{ws}, nonce: nonce})
}

func (p *fakePoster) PostWatchBatch(_ context.Context, channelID string, stories []news.WatchedStory, nonce string) (string, error) {
	return p.add(post{channelID: channelID, stories: stories, batch: true, nonce: nonce})
}

func (p *fakePoster) add(m post) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return "", p.fail
	}
	p.posts = append(p.posts, m)
	p.ids++
	return fmt.Sprintf("m%d", p.ids), nil
}

func (p *fakePoster) Posts() []post {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]post(nil), p.posts...)
}

// fakeSummarizer summarizes every article with severity sev; cached
// articles (by hash) come from the cache. spent refuses as a spent budget.
type fakeSummarizer struct {
	mu     sync.Mutex
	sev    news.Severity
	spent  bool
	calls  int
	guilds []string
	cache  map[string]news.Summary
}

func newFakeSummarizer() *fakeSummarizer {
	return &fakeSummarizer{sev: news.SeverityHigh, cache: map[string]news.Summary{}}
}

func (f *fakeSummarizer) Cached(_ context.Context, a news.Article) (news.Summary, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.cache[a.Hash()]
	return s, ok, nil
}

func (f *fakeSummarizer) Summarize(ctx context.Context, a news.Article) (news.Summary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.cache[a.Hash()]; ok {
		return s, nil
	}
	if f.spent {
		return news.Summary{}, fmt.Errorf("summarize: %w", news.ErrBudgetSpent)
	}
	f.calls++
	f.guilds = append(f.guilds, guildOf(ctx))
	s := news.Summary{Title: a.Title, TLDR: "TL;DR of " + a.Title, Severity: f.sev, Affected: []string{"Acme Gateway 7"}}
	f.cache[a.Hash()] = s
	return s, nil
}

func (f *fakeSummarizer) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

type guildKey struct{}

func withGuild(ctx context.Context, g string) context.Context {
	return context.WithValue(ctx, guildKey{}, g)
}

func guildOf(ctx context.Context) string {
	g, _ := ctx.Value(guildKey{}).(string)
	return g
}

// fakeIntel knows the CVEs of kev as exploited.
type fakeIntel struct {
	kev  map[string]news.KEVEntry
	fail bool
}

func (f fakeIntel) Lookup(_ context.Context, ids ...string) (map[string]news.CVEIntel, error) {
	if f.fail {
		return nil, errors.New("intel down")
	}
	out := map[string]news.CVEIntel{}
	for _, id := range ids {
		if e, ok := f.kev[strings.ToUpper(id)]; ok {
			out[strings.ToUpper(id)] = news.CVEIntel{ID: strings.ToUpper(id), KEV: &e}
		}
	}
	return out, nil
}

// env is a store on SQLite, a fake clock and fakes around one Alerter.
type env struct {
	t     *testing.T
	path  string
	clock *fakeclock.Clock
	store *storage.Store
	post  *fakePoster
	sum   *fakeSummarizer
	intel Intel
	ticks chan time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, path: filepath.Join(t.TempDir(), "db.sqlite"), clock: fakeclock.New(t0),
		post: &fakePoster{}, sum: newFakeSummarizer(), ticks: make(chan time.Time)}
	e.store = e.open("a")
	for _, f := range []string{feedA, feedB, feedC} {
		if _, err := e.store.Subscribe(context.Background(), guild, f, "Outlet "+f[8:9]); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// open opens another Store on the database, as a process named owner.
func (e *env) open(owner string) *storage.Store {
	e.t.Helper()
	s, err := storage.Open(context.Background(), e.path, nil, storage.WithClock(e.clock.Now), storage.WithOwner(owner))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { s.Close() })
	return s
}

// alerter is an Alerter over store (e.store when nil) with cfg's limits.
func (e *env) alerter(store Store, cfg Config) *Alerter {
	if store == nil {
		store = e.store
	}
	cfg.Store, cfg.Poster, cfg.Summarizer, cfg.Now = store, e.post, e.sum, e.clock.Now
	if cfg.Intel == nil {
		cfg.Intel = e.intel
	}
	cfg.WithGuild = withGuild
	cfg.NewTicker = func(time.Duration) (<-chan time.Time, func()) { return e.ticks, func() {} }
	return New(cfg)
}

// watch adds a watch of guild.
func (e *env) watch(w news.Watch) news.Watch {
	e.t.Helper()
	if w.GuildID == "" {
		w.GuildID = guild
	}
	got, err := e.store.AddWatch(context.Background(), w, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

// poll stores items in feed as a poll would and hands the new ones to a.
func (e *env) poll(a *Alerter, feed string, items ...news.Item) {
	e.t.Helper()
	for i := range items {
		if items[i].Published.IsZero() {
			items[i].Published = e.clock.Now().Add(-time.Minute)
		}
		if items[i].Link == "" {
			items[i].Link = "https://" + feed[8:9] + ".example/" + items[i].ID
		}
	}
	fresh, err := e.store.AddNewItems(context.Background(), feed, items)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := range fresh {
		fresh[i].FeedTitle = "Outlet " + feed[8:9]
	}
	a.OnNewItems(context.Background(), feed, fresh)
}

// item is a feed item with title, its text the title (no words shared
// with other items' texts, which would link stories).
func item(id, title string) news.Item {
	return news.Item{ID: id, Title: title, Content: title + "."}
}
