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

// severityRank is the story's place on the severity scale, 0 = critical:
// its summary's severity, raised by its intel (news.Story.EffectiveSeverity).
func severityRank(s news.Story) float64 {
	sev, _ := s.EffectiveSeverity()
	if !sev.Valid() {
		return unknownSeverity
	}
	return float64(sev.Rank())
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

// Rank sorts stories in place, most important first: by what is known of
// their CVEs (compareIntel: known exploited in ransomware campaigns, known
// exploited, likely exploited by EPSS, critical by CVSS), then by severity
// as raised by that intel (see unknownSeverity for stories without a
// summary), then by the number of outlets that carried the story, then by
// recency (the newest item), then by lead title for a stable order.
func Rank(stories []news.Story) {
	type ranked struct {
		s     news.Story
		intel intelRank
		sev   float64
	}
	rs := make([]ranked, len(stories))
	for i, s := range stories {
		rs[i] = ranked{s, rankIntel(s), severityRank(s)}
	}
	slices.SortStableFunc(rs, func(a, b ranked) int {
		if c := compareIntel(a.intel, b.intel); c != 0 {
			return c
		}
		if c := cmp.Compare(a.sev, b.sev); c != 0 {
			return c
		}
		if c := cmp.Compare(b.s.Outlets(), a.s.Outlets()); c != 0 {
			return c
		}
		if c := latest(b.s).Compare(latest(a.s)); c != 0 {
			return c
		}
		return cmp.Compare(a.s.Lead.Title, b.s.Lead.Title)
	})
	for i := range rs {
		stories[i] = rs[i].s
	}
}

// Cap keeps the first maxItems of ranked stories and returns them with the
// number left out. maxItems <= 0 keeps everything.
func Cap(stories []news.Story, maxItems int) (kept []news.Story, more int) {
	if maxItems <= 0 || len(stories) <= maxItems {
		return stories, 0
	}
	return stories[:maxItems], len(stories) - maxItems
}
