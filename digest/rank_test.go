package digest

import (
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
