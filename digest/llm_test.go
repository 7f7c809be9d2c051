package digest

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakellm"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/summarizer"
)

// realSummarizer is the production summarizer, caching in e's store and
// calling fakellm.
func (e *env) realSummarizer(t testing.TB, llm *fakellm.Server, concurrency int) *summarizer.Summarizer {
	t.Helper()
	return summarizer.New(summarizer.NewClient(llm.URL(), "test-key", http.DefaultClient), e.store,
		summarizer.Options{Concurrency: concurrency, MaxRetries: -1, Now: e.clock.Now}, nil)
}

func (e *env) realRunner(s *summarizer.Summarizer, cfg Config) *Runner {
	cfg.Store, cfg.Summarizer, cfg.Poster, cfg.Now, cfg.WithGuild = e.store, s, e.post, e.clock.Now, summarizer.WithGuild
	return NewRunner(cfg)
}

func TestRealSummarizerNowTwice(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 3, distinct)
	llm := fakellm.New(t)
	r := e.realRunner(e.realSummarizer(t, llm, 4), Config{})
	res, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil {
		t.Fatal(err)
	}
	if llm.Calls() != 3 || res.Digest.Stories[0].Summary == nil || res.Digest.Stories[0].Summary.Severity != "medium" {
		t.Fatalf("calls %d, first summary %+v", llm.Calls(), res.Digest.Stories[0].Summary)
	}
	used, err := e.store.TokensOn(context.Background(), guild, t0.Format("2006-01-02"))
	if err != nil || used == 0 {
		t.Fatalf("usage of the guild: %d, %v; want it recorded", used, err)
	}
	e.clock.Advance(time.Minute)
	if _, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel}); !errors.Is(err, news.ErrNothingNew) {
		t.Fatalf("second: %v, want news.ErrNothingNew", err)
	}
	if llm.Calls() != 3 {
		t.Fatalf("second /digest now made %d LLM calls", llm.Calls()-3)
	}
}

func TestRealSummarizerLLMDown(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 2, distinct)
	llm := fakellm.New(t)
	llm.SetResponder(func(fakellm.Request) fakellm.Response { return fakellm.ServerError(http.StatusBadGateway) })
	r := e.realRunner(e.realSummarizer(t, llm, 4), Config{})
	res, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil {
		t.Fatalf("LLM down: %v, want a degraded digest posted", err)
	}
	if len(res.Digest.Stories) != 2 || res.Digest.Stories[0].Summary != nil || e.post.Posted() != 3 {
		t.Fatalf("stories %d posted %d, want 2 unsummarized stories in 3 messages", len(res.Digest.Stories), e.post.Posted())
	}
	llm.SetResponder(nil)
	e.clock.Advance(time.Hour)
	res, err = r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil || len(res.Digest.Stories) != 2 || res.Digest.Stories[0].Summary == nil {
		t.Fatalf("LLM back: %v; want the 2 stories again, summarized", err)
	}
}

func TestRealSummarizerBudgetSpentMidDigest(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 5, distinct)
	llm := fakellm.New(t)
	r := e.realRunner(e.realSummarizer(t, llm, 1), Config{GuildDailyTokens: 1, Concurrency: 1})
	res, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil {
		t.Fatal(err)
	}
	summarized := 0
	for _, s := range res.Digest.Stories {
		if s.Summary != nil {
			summarized++
		}
	}
	if llm.Calls() != 1 || summarized != 1 || len(res.Digest.Stories) != 5 {
		t.Fatalf("calls %d, summarized %d of %d; want 1 call, then headlines only", llm.Calls(), summarized, len(res.Digest.Stories))
	}
}

// Summaries made at once share the guild's budget: with four at a time and
// a budget one request fills, the pre-check alone would let several reach
// the LLM; the first reservation leaves none for the others, which find
// the budget spent, and the digest lists their stories by headline.
func TestRealSummarizerConcurrentSummariesKeepTheBudget(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 5, distinct)
	llm := fakellm.New(t)
	sum := summarizer.New(summarizer.NewClient(llm.URL(), "test-key", http.DefaultClient), e.store,
		summarizer.Options{Concurrency: 4, MaxRetries: -1, Now: e.clock.Now, GuildDailyTokens: 1}, nil)
	r := e.realRunner(sum, Config{GuildDailyTokens: 1, Concurrency: 4})
	res, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil {
		t.Fatal(err)
	}
	summarized := 0
	for _, s := range res.Digest.Stories {
		if s.Summary != nil {
			summarized++
		}
	}
	if llm.Calls() != 1 || summarized != 1 || len(res.Digest.Stories) != 5 {
		t.Fatalf("calls %d, summarized %d of %d; want 1 call, then headlines only", llm.Calls(), summarized, len(res.Digest.Stories))
	}
}

// BenchmarkDigest100 builds and posts a digest of 100 new articles (full
// text, no teasers) through the real summarizer against fakellm answering
// in 300 ms, with llm.concurrency 4 and digest.max_items 100, so every
// story is summarized. The bar: within 1.25 × the ideal
// ceil(100/4) × 300 ms = 7.5 s, never more than 4 LLM calls in flight.
func BenchmarkDigest100(b *testing.B) {
	const ideal = 25 * 300 * time.Millisecond
	var worst time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := newEnv(b)
		e.addItems(b, "feed-a", 100, distinct)
		llm := fakellm.New(b)
		llm.SetLatency(300 * time.Millisecond)
		r := e.realRunner(e.realSummarizer(b, llm, 4), Config{Concurrency: 4, MaxItems: 100})
		b.StartTimer()
		start := time.Now()
		res, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
		elapsed := time.Since(start)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Digest.Stories) != 100 || llm.Calls() != 100 {
			b.Fatalf("stories %d, LLM calls %d; want 100 and 100", len(res.Digest.Stories), llm.Calls())
		}
		if llm.MaxInFlight() > 4 {
			b.Fatalf("%d LLM calls in flight, want at most 4", llm.MaxInFlight())
		}
		worst = max(worst, elapsed)
		b.ReportMetric(float64(llm.MaxInFlight()), "max-in-flight")
		b.StartTimer()
	}
	b.ReportMetric(float64(worst)/float64(ideal), "x-ideal")
	if worst > ideal*5/4 {
		b.Errorf("digest took %v, over 1.25 × %v", worst, ideal)
	}
}
