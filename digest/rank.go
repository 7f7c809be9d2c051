package digest

import (
	"cmp"
	"slices"
	"time"

	"github.com/secbrief/secbrief/news"
)

// unknownSeverity is where a story without a summary ranks: after the
// medium stories and before the low ones. An unsummarized story may be
// anything; putting it mid-table keeps a failed LLM call from burying a
// critical story under trivia, and from pushing it above known criticals.
const unknownSeverity = 2.5

// severityRank is the story's place on the severity scale, 0 = critical.
func severityRank(s news.Story) float64 {
	if s.Summary == nil || !s.Summary.Severity.Valid() {
		return unknownSeverity
	}
	return float64(s.Summary.Severity.Rank())
}

// latest is the newest publication time among the story's items.
func latest(s news.Story) time.Time {
	t := s.Lead.Published
	for _, o := range s.Others {
		if o.Published.After(t) {
			t = o.Published
		}
	}
	return t
}

// Rank sorts stories in place, most important first: by severity (see
// unknownSeverity for stories without a summary), then by the number of
// outlets that carried the story, then by recency (the newest item), then
// by lead title for a stable order.
func Rank(stories []news.Story) {
	slices.SortStableFunc(stories, func(a, b news.Story) int {
		if c := cmp.Compare(severityRank(a), severityRank(b)); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Outlets(), a.Outlets()); c != 0 {
			return c
		}
		if c := latest(b).Compare(latest(a)); c != 0 {
			return c
		}
		return cmp.Compare(a.Lead.Title, b.Lead.Title)
	})
}

// Cap keeps the first maxItems of ranked stories and returns them with the
// number left out. maxItems <= 0 keeps everything.
func Cap(stories []news.Story, maxItems int) (kept []news.Story, more int) {
	if maxItems <= 0 || len(stories) <= maxItems {
		return stories, 0
	}
	return stories[:maxItems], len(stories) - maxItems
}
