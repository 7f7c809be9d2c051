package digest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

func TestRankOrder(t *testing.T) {
	at := time.Date(2026, 7, 5, 0, 0, 0, 0, time.UTC)
	story := func(name string, sev news.Severity, outlets int, age time.Duration) news.Story {
		s := news.Story{Lead: news.Item{Title: name, FeedURL: "f0", Published: at.Add(-age)}}
		for i := 1; i < outlets; i++ {
			s.Others = append(s.Others, news.Item{FeedURL: fmt.Sprintf("f%d", i), Published: at.Add(-age)})
		}
		if sev != "" {
			s.Summary = &news.Summary{Severity: sev}
		}
		return s
	}
	stories := []news.Story{
		story("low", news.SeverityLow, 5, 0),
		story("unsummarized", "", 1, 0),
		story("medium", news.SeverityMedium, 1, 0),
		story("critical-old-1-outlet", news.SeverityCritical, 1, 5*time.Hour),
		story("critical-new-1-outlet", news.SeverityCritical, 1, time.Hour),
		story("critical-3-outlets", news.SeverityCritical, 3, 10*time.Hour),
		story("info", news.SeverityInfo, 1, 0),
		story("high", news.SeverityHigh, 1, 0),
	}
	Rank(stories)
	want := []string{"critical-3-outlets", "critical-new-1-outlet", "critical-old-1-outlet", "high", "medium", "unsummarized", "low", "info"}
	for i, w := range want {
		if stories[i].Lead.Title != w {
			t.Fatalf("rank %d = %q, want %q", i, stories[i].Lead.Title, w)
		}
	}
}

func TestCap(t *testing.T) {
	stories := make([]news.Story, 40)
	for _, tc := range []struct {
		name       string
		max        int
		kept, more int
	}{{"40 into 15", 15, 15, 25}, {"fits", 40, 40, 0}, {"no limit", 0, 40, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			kept, more := Cap(stories, tc.max)
			if len(kept) != tc.kept || more != tc.more {
				t.Fatalf("kept %d more %d, want %d %d", len(kept), more, tc.kept, tc.more)
			}
		})
	}
}

// BenchmarkDigest100 builds and posts a digest of 100 new articles (full
// text, no teasers) with an LLM stand-in of 300 ms per call behind a
// concurrency limit of 4. The bar: within 1.25 × ceil(100/4) × 300 ms.
func BenchmarkDigest100(b *testing.B) {
	const ideal = 25 * 300 * time.Millisecond
	var worst time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := newEnv(b)
		e.sum.latency = 300 * time.Millisecond
		e.sum.sem = make(chan struct{}, 4)
		e.addItems(b, "feed-a", 100, distinct)
		r := e.runner(Config{Concurrency: 4, MaxItems: 15})
		b.StartTimer()
		start := time.Now()
		res, err := r.Now(context.Background(), Target{guild, channel})
		elapsed := time.Since(start)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Digest.Stories)+res.Digest.More != 100 || e.sum.Calls() != 100 {
			b.Fatalf("stories %d+%d, calls %d, want 100 and 100", len(res.Digest.Stories), res.Digest.More, e.sum.Calls())
		}
		if e.sum.maxSeen > 4 {
			b.Fatalf("%d LLM calls in flight, want at most 4", e.sum.maxSeen)
		}
		worst = max(worst, elapsed)
		b.ReportMetric(float64(e.sum.maxSeen), "max-in-flight")
		e.store.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(worst)/float64(ideal), "x-ideal")
	if worst > ideal*5/4 {
		b.Errorf("digest took %v, over 1.25 × %v", worst, ideal)
	}
}
