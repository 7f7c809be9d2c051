package digest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/storage"
)

const (
	guild   = "g1"
	channel = "c1"
)

var t0 = time.Date(2026, 7, 5, 6, 0, 0, 0, time.UTC)

type env struct {
	path  string
	store *storage.Store
	clock *testClock
	sum   *fakeSummarizer
	post  *fakePoster
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{path: filepath.Join(t.TempDir(), "db.sqlite"), clock: &testClock{t: t0},
		sum: newFakeSummarizer(), post: newFakePoster()}
	e.open(t)
	return e
}

func (e *env) open(t testing.TB) {
	t.Helper()
	st, err := storage.Open(context.Background(), e.path, nil, storage.WithClock(e.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	e.store = st
	t.Cleanup(func() { st.Close() })
}

func (e *env) runner(cfg Config) *Runner {
	cfg.Store, cfg.Summarizer, cfg.Poster, cfg.Now = e.store, e.sum, e.post, e.clock.Now
	return NewRunner(cfg)
}

// addItems subscribes the guild to feed and stores n items published
// within the last hours, titled by title(i).
func (e *env) addItems(t testing.TB, feed string, n int, title func(int) string) []news.Item {
	t.Helper()
	ctx := context.Background()
	if _, err := e.store.Subscribe(ctx, guild, feed, "Outlet "+feed); err != nil {
		t.Fatal(err)
	}
	var items []news.Item
	for i := range n {
		items = append(items, news.Item{ID: fmt.Sprintf("%s#%d", feed, i), FeedURL: feed, Title: title(i),
			Link: fmt.Sprintf("https://%s/%d", feed, i), Content: strings.Repeat("Full article text. ", 60) + title(i),
			Published: e.clock.Now().Add(-time.Duration(i+1) * time.Minute)})
	}
	if _, err := e.store.AddItems(ctx, feed, items); err != nil {
		t.Fatal(err)
	}
	return items
}

func distinct(i int) string {
	words := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"}
	return fmt.Sprintf("Story %s %s %d", words[i%10], words[(i/10)%10], i)
}

func (e *env) unseen(t *testing.T) []news.Item {
	t.Helper()
	items, err := e.store.UnseenItems(context.Background(), news.UnseenQuery{GuildID: guild, ChannelID: channel,
		Now: e.clock.Now(), Lookback: DefaultLookback})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func TestNowTwiceSecondHasNothingNew(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 3, distinct)
	r := e.runner(Config{})
	res, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Digest.Stories) != 3 || e.sum.Calls() != 3 || e.post.Posted() != 4 {
		t.Fatalf("first: stories %d calls %d posted %d, want 3 3 4", len(res.Digest.Stories), e.sum.Calls(), e.post.Posted())
	}
	th, ok, err := e.store.Thread(context.Background(), res.ThreadID)
	if err != nil || !ok || th.Kind != news.ThreadDigest || len(th.ArticleHashes) != 3 {
		t.Fatalf("thread %+v ok=%v err=%v, want a digest thread on 3 articles", th, ok, err)
	}
	e.clock.Advance(time.Minute)
	if _, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel}); !errors.Is(err, news.ErrNothingNew) {
		t.Fatalf("second now: err %v, want news.ErrNothingNew", err)
	}
	if e.sum.Calls() != 3 || e.post.Posted() != 4 {
		t.Fatalf("second now made %d LLM calls and %d posts in all, want 3 and 4", e.sum.Calls(), e.post.Posted())
	}
}

func TestLLMDownDegradedDigestThenSummarizedNextTime(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 2, distinct)
	e.sum.fail = true
	r := e.runner(Config{})
	res, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil {
		t.Fatalf("LLM down: %v, want a degraded digest", err)
	}
	for _, s := range res.Digest.Stories {
		if s.Summary != nil {
			t.Fatalf("story %q has a summary with the LLM down", s.Lead.Title)
		}
	}
	e.sum.fail = false
	e.clock.Advance(time.Hour)
	res, err = r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil {
		t.Fatalf("next digest: %v", err)
	}
	if len(res.Digest.Stories) != 2 || res.Digest.Stories[0].Summary == nil || res.Digest.Stories[1].Summary == nil {
		t.Fatalf("next digest has %d stories, want both again, summarized", len(res.Digest.Stories))
	}
	e.sum.fail = true
	e.clock.Advance(time.Hour)
	if _, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel}); !errors.Is(err, news.ErrNothingNew) {
		t.Fatalf("third: %v, want news.ErrNothingNew", err)
	}
}

func TestUnsummarizedItemsComeBackOnlyOnce(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 1, distinct)
	e.sum.fail = true
	r := e.runner(Config{})
	for i, want := range []error{nil, nil, news.ErrNothingNew} {
		e.clock.Advance(time.Hour)
		if _, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel}); !errors.Is(err, want) && (want != nil || err != nil) {
			t.Fatalf("run %d: %v, want %v", i, err, want)
		}
	}
}

func TestTokenBudgetSpentHeadlinesOnly(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 3, distinct)
	day := t0.Format("2006-01-02")
	if err := e.store.AddUsage(context.Background(), news.Usage{GuildID: guild, Day: day, Model: "m", PromptTokens: 900, CompletionTokens: 200}); err != nil {
		t.Fatal(err)
	}
	res, err := e.runner(Config{GuildDailyTokens: 1000}).Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil {
		t.Fatal(err)
	}
	if e.sum.Calls() != 0 {
		t.Fatalf("%d LLM calls with the budget spent", e.sum.Calls())
	}
	if len(res.Digest.Stories) != 3 || res.Digest.Stories[0].Summary != nil {
		t.Fatalf("want 3 headline-only stories, got %d", len(res.Digest.Stories))
	}
}

func TestMaxItemsCapsAndListsHeadlines(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 40, distinct)
	res, err := e.runner(Config{MaxItems: 15}).Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Digest.Stories) != 15 || len(res.Digest.Headlines) != 25 || res.Digest.More != 0 {
		t.Fatalf("stories %d headlines %d more %d, want 15, 25 and 0", len(res.Digest.Stories), len(res.Digest.Headlines), res.Digest.More)
	}
	if calls := e.sum.Calls(); calls > 15+summaryMargin {
		t.Fatalf("%d summaries for 15 stories shown", calls)
	}
	// The 25 listed by headline are delivered: not offered again.
	if got := len(e.unseen(t)); got != 0 {
		t.Fatalf("unseen after the digest: %d, want 0", got)
	}
}

// fakePoller stores one new item when polled, as a real poll would.
type fakePoller struct {
	e    *env
	t    *testing.T
	urls []string
}

func (p *fakePoller) PollFeeds(ctx context.Context, urls []string) (news.PollResult, error) {
	p.urls = append(p.urls, urls...)
	n, err := p.e.store.AddItems(ctx, "feed-a", []news.Item{{ID: "polled", Title: "Polled right before the digest",
		Content: strings.Repeat("Fresh text. ", 80), Published: p.e.clock.Now()}})
	if err != nil {
		p.t.Error(err)
	}
	return news.PollResult{Polled: len(urls), NewItems: n}, errors.New("one feed failed")
}

func TestPollsGuildFeedsBeforeDigest(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 1, distinct)
	e.addItems(t, "feed-b", 1, distinct)
	p := &fakePoller{e: e, t: t}
	res, err := e.runner(Config{Poller: p}).Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil {
		t.Fatalf("a failing feed held the digest back: %v", err)
	}
	if len(p.urls) != 2 {
		t.Fatalf("polled %v, want the guild's two feeds", p.urls)
	}
	found := false
	for _, s := range res.Digest.Stories {
		found = found || s.Lead.ID == "polled"
	}
	if !found {
		t.Fatal("the item the poll stored is not in the digest")
	}
}

// pageFetcher serves fixed pages by URL.
type pageFetcher map[string]string

func (f pageFetcher) Fetch(_ context.Context, url string) (news.Article, error) {
	text, ok := f[url]
	if !ok {
		return news.Article{}, fmt.Errorf("fetch %s: 404", url)
	}
	return news.Article{URL: url, Text: text}, nil
}

func TestFullTextCVEsMergeStories(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := e.clock.Now()
	add := func(feed string, it news.Item) {
		if _, err := e.store.Subscribe(ctx, guild, feed, feed); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.AddItems(ctx, feed, []news.Item{it}); err != nil {
			t.Fatal(err)
		}
	}
	add("ms", news.Item{ID: "ms1", Title: "Disrupting active exploitation of on-premises SharePoint vulnerabilities",
		Link: "https://ms/1", Published: now.Add(-2 * time.Hour),
		Content: strings.Repeat("Microsoft observed exploitation of CVE-2025-53770 and CVE-2025-53771. ", 20)})
	add("bc", news.Item{ID: "bc1", Title: "Microsoft: SharePoint flaws exploited in Warlock ransomware attacks",
		Link: "https://bc/1", Published: now.Add(-time.Hour), Content: "A China-based group deploys Warlock ransomware. [...]"})
	add("sw", news.Item{ID: "sw1", Title: "HeroDevs Raises $125 Million to Secure Deprecated OSS",
		Link: "https://sw/1", Published: now.Add(-time.Hour), Content: "HeroDevs has received a $125 million investment. [...]"})
	pages := pageFetcher{"https://bc/1": strings.Repeat("Attackers exploit the ToolShell chain, CVE-2025-53770, to deploy Warlock. ", 20),
		"https://sw/1": strings.Repeat("HeroDevs raised money from PSG for open source support. ", 20)}
	res, err := e.runner(Config{Fetcher: pages}).Now(ctx, news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Digest.Stories) != 2 {
		t.Fatalf("%d stories, want 2 (SharePoint merged through the fetched text's CVE)", len(res.Digest.Stories))
	}
	sp := storyOf(t, res.Digest.Stories, "Disrupting")
	if !together(sp, "Microsoft: SharePoint") || !slices.Contains(sp.CVEs, "CVE-2025-53771") || sp.Outlets() != 2 {
		t.Fatalf("SharePoint story: lead %q, %d others, CVEs %v", sp.Lead.Title, len(sp.Others), sp.CVEs)
	}
	if e.sum.Calls() != 2 {
		t.Fatalf("LLM calls %d, want 2 (one per story: the joined story's lead only)", e.sum.Calls())
	}
	if got := len(e.unseen(t)); got != 0 {
		t.Fatalf("%d items unseen after the digest, want 0 (merged items delivered too)", got)
	}
}
