package digest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakellm"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/render"
)

// word is a made-up word unique to (i, salt), so generated titles share no
// token and never cluster by accident.
func word(i, salt int) string {
	syl := []string{"ka", "lo", "mi", "ru", "ze", "to", "vi", "na"}
	w := syl[salt%len(syl)] + syl[(salt/len(syl))%len(syl)]
	for n := i + 1; n > 0; n /= len(syl) {
		w += syl[n%len(syl)]
	}
	return w + "x"
}

// manyItems stores 200 short items (teasers) from 20 feeds published over
// the last hours: 185 stories of one outlet each, and 5 stories carried by
// three feeds each. It returns the titles of the 5 widely covered stories.
func (e *env) manyItems(t testing.TB) []string {
	t.Helper()
	ctx := context.Background()
	now := e.clock.Now()
	byFeed := map[string][]news.Item{}
	add := func(feed int, id, title string, age time.Duration) {
		f := fmt.Sprintf("feed-%02d", feed)
		byFeed[f] = append(byFeed[f], news.Item{ID: id, FeedURL: f, Title: title, Link: "https://" + f + "/" + id,
			Content:   "A short teaser about " + title + ", with the first lines of the story and a link to the rest.",
			Published: now.Add(-age)})
	}
	var wide []string
	for k := range 5 {
		title := fmt.Sprintf("%s %s %s", word(1000+k, 1), word(1000+k, 2), word(1000+k, 3))
		wide = append(wide, title)
		for j := range 3 {
			add(k*3+j, fmt.Sprintf("wide-%d-%d", k, j), title, time.Duration(10+k)*time.Hour)
		}
	}
	for i := range 185 {
		add(i%20, fmt.Sprint("single-", i), fmt.Sprintf("%s %s %s", word(i, 1), word(i, 2), word(i, 3)), time.Duration(i)*time.Minute)
	}
	for f, items := range byFeed {
		if _, err := e.store.Subscribe(ctx, guild, f, "Outlet "+f); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.AddItems(ctx, f, items); err != nil {
			t.Fatal(err)
		}
	}
	return wide
}

// countingFetcher counts full-text fetches and serves a page for each.
type countingFetcher struct{ n atomic.Int64 }

func (f *countingFetcher) Fetch(_ context.Context, url string) (news.Article, error) {
	f.n.Add(1)
	return news.Article{URL: url, Text: strings.Repeat("The full article at "+url+". ", 40)}, nil
}

func TestDigest200ItemsSummarizesWhatItPosts(t *testing.T) {
	const maxItems = 15
	e := newEnv(t)
	wide := e.manyItems(t)
	fetch := &countingFetcher{}
	r := e.runner(Config{MaxItems: maxItems, Fetcher: fetch})
	res, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil {
		t.Fatal(err)
	}
	d := res.Digest
	if calls := e.sum.Calls(); calls > maxItems+5 || calls < maxItems {
		t.Errorf("%d summary calls for 200 items, want %d to %d", calls, maxItems, maxItems+5)
	}
	if n := fetch.n.Load(); n > maxItems+summaryMargin {
		t.Errorf("%d full-text fetches, want at most %d", n, maxItems+summaryMargin)
	}
	if len(d.Stories) != maxItems || len(d.Headlines) != 190-maxItems {
		t.Fatalf("%d stories and %d headlines, want %d and %d", len(d.Stories), len(d.Headlines), maxItems, 190-maxItems)
	}
	shown := map[string]bool{}
	for _, s := range d.Stories {
		if s.Summary == nil {
			t.Errorf("story %q shown without a summary", s.Lead.Title)
		}
		shown[s.Lead.Title] = true
	}
	for _, title := range wide {
		if !shown[title] {
			t.Errorf("the story three outlets carried, %q, is not among the summarized ones", title)
		}
	}
	for _, h := range d.Headlines {
		if h.Summary != nil || h.Lead.Content != "" || shown[h.Lead.Title] {
			t.Fatalf("headline %q: summary %v, content %q, or also shown in full", h.Lead.Title, h.Summary != nil, h.Lead.Content)
		}
	}
	if md := render.DigestMarkdown(d); !strings.Contains(md, fmt.Sprintf("## …and %d more:", 190-maxItems)) {
		t.Errorf("terminal digest lacks the headline list:\n%s", md)
	}

	// Every item was delivered, the headlines' included: nothing comes back.
	if got := len(e.unseen(t)); got != 0 {
		t.Fatalf("%d items unseen after the digest, want 0", got)
	}
	e.clock.Advance(time.Hour)
	if _, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel}); !errors.Is(err, news.ErrNothingNew) {
		t.Fatalf("second digest: %v, want news.ErrNothingNew", err)
	}
}

func TestUnsummarizedPickedStoriesComeBackHeadlinesDoNot(t *testing.T) {
	const maxItems = 5
	e := newEnv(t)
	e.addItems(t, "feed-a", 40, distinct)
	e.sum.fail = true
	r := e.runner(Config{MaxItems: maxItems})
	res, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil {
		t.Fatal(err)
	}
	if e.sum.Calls() != maxItems+summaryMargin || len(res.Digest.Stories) != maxItems || len(res.Digest.Headlines) != 40-maxItems {
		t.Fatalf("calls %d, stories %d, headlines %d", e.sum.Calls(), len(res.Digest.Stories), len(res.Digest.Headlines))
	}
	// The stories the LLM failed on (shown, or demoted to headlines by the
	// final rank) are offered once more; the headline-only ones are done.
	if got := len(e.unseen(t)); got != maxItems+summaryMargin {
		t.Fatalf("%d items offered again, want the %d tried for a summary", got, maxItems+summaryMargin)
	}
	e.sum.fail = false
	e.clock.Advance(time.Hour)
	res, err = r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Digest.Stories) != maxItems || res.Digest.Stories[0].Summary == nil || len(res.Digest.Headlines) != summaryMargin {
		t.Fatalf("second digest: %d stories (first summarized: %v), %d headlines", len(res.Digest.Stories),
			res.Digest.Stories[0].Summary != nil, len(res.Digest.Headlines))
	}
}

// BenchmarkDigest200Items builds and posts a digest of 200 new short items
// from 20 feeds through the real summarizer against fakellm, with
// digest.max_items 15, and reports the LLM calls it made (the bar:
// max_items + 5).
func BenchmarkDigest200Items(b *testing.B) {
	const maxItems = 15
	var calls int
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := newEnv(b)
		e.manyItems(b)
		llm := fakellm.New(b)
		r := e.realRunner(e.realSummarizer(b, llm, 4), Config{MaxItems: maxItems, Concurrency: 4})
		b.StartTimer()
		res, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		calls += llm.Calls()
		if llm.Calls() > maxItems+5 || len(res.Digest.Stories) != maxItems || len(res.Digest.Headlines) != 190-maxItems {
			b.Fatalf("%d LLM calls, %d stories, %d headlines", llm.Calls(), len(res.Digest.Stories), len(res.Digest.Headlines))
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(calls)/float64(b.N), "llm_calls/op")
}
