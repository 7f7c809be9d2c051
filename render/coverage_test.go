package render

import (
	"math"
	"strings"
	"testing"
)

func TestCoverageNote(t *testing.T) {
	tests := []struct {
		name     string
		coverage float64
		want     string
	}{
		{"whole text", 0, ""},
		{"all of it", 1, ""},
		{"more than all", 1.5, ""},
		{"negative", -0.2, ""},
		{"not a number", math.NaN(), ""},
		{"part", 0.625, "summarized from the first 62% of a very long page"},
		{"a sliver says 1%", 0.001, "summarized from the first 1% of a very long page"},
		{"nearly all says 99%", 0.9999, "summarized from the first 99% of a very long page"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CoverageNote(tt.coverage); got != tt.want {
				t.Errorf("CoverageNote(%v) = %q, want %q", tt.coverage, got, tt.want)
			}
		})
	}
}

// A summary of the first part of a very long page says so, in the embed's
// footer and in the terminal; a whole-text summary says nothing of it.
func TestSummaryOfAVeryLongPage(t *testing.T) {
	s := sampleSummary()
	s.Coverage = 0.62
	e := Summary(s, sampleArticle, nil)
	if e.Footer == nil || !strings.HasSuffix(e.Footer.Text, " · summarized from the first 62% of a very long page") {
		t.Errorf("footer = %+v", e.Footer)
	}
	if err := checkMessage(SummaryMessage(s, sampleArticle, nil)); err != nil {
		t.Error(err)
	}
	goldenJSON(t, "summary_partial_embed.json.golden", e)
	golden(t, "summary_partial.md.golden", []byte(Markdown(s, nil)))

	whole := sampleSummary()
	if strings.Contains(Markdown(whole, nil), "very long page") || strings.Contains(Summary(whole, sampleArticle, nil).Footer.Text, "very long page") {
		t.Errorf("a whole-text summary claims to be partial")
	}
}
