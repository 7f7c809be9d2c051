package digest

import (
	"fmt"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

func TestStatedSeverity(t *testing.T) {
	tests := []struct {
		name, title, content string
		want                 news.Severity
	}{
		{"none", "Acme ships version 5", "New features and fixes.", ""},
		{"label", "Advisory ACME-2026-01", "Severity: Critical\nAffected: Acme 5", news.SeverityCritical},
		{"microsoft important", "Security update", "Maximum severity rating: Important", news.SeverityHigh},
		{"adjective", "A high-severity flaw in Widget", "", news.SeverityHigh},
		{"moderate", "", "This moderate severity issue needs local access.", news.SeverityMedium},
		{"cvss critical", "", "The flaw has a CVSS v3.1 base score of 9.8.", news.SeverityCritical},
		{"cvss high", "Bug (CVSS 7.5)", "", news.SeverityHigh},
		{"cvss ten", "", "CVSS score: 10", news.SeverityCritical},
		{"cvss low", "", "CVSS: 2.1", news.SeverityLow},
		{"most severe wins", "Low severity bug", "Severity: critical", news.SeverityCritical},
		{"past the lead is ignored", "", fmt.Sprintf("%s Severity: Critical", longText(3*statedRunes)), ""},
		{"word alone is not a rating", "Critical infrastructure report", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := statedSeverity(news.Item{Title: tt.title, Content: tt.content}); got != tt.want {
				t.Errorf("statedSeverity = %q, want %q", got, tt.want)
			}
		})
	}
}

func longText(runes int) string {
	b := make([]byte, 0, runes)
	for len(b) < runes {
		b = append(b, "Some words here. "...)
	}
	return string(b)
}

func TestPreScore(t *testing.T) {
	now := time.Date(2026, 7, 5, 6, 0, 0, 0, time.UTC)
	item := func(feed string, age time.Duration, title, content string) news.Item {
		return news.Item{ID: title + feed, FeedURL: feed, Title: title, Content: content, Published: now.Add(-age)}
	}
	lone := news.Story{Lead: item("a", 24*time.Hour, "Lone", "")}
	tests := []struct {
		name string
		s    news.Story
		want float64
	}{
		{"lone, at the edge of the look-back", lone, 0},
		{"lone, past the look-back", news.Story{Lead: item("a", 48*time.Hour, "Old", "")}, 0},
		{"lone, undated", news.Story{Lead: news.Item{Title: "Undated"}}, 0},
		{"fresh", news.Story{Lead: item("a", 0, "Fresh", "")}, recencyWeight},
		{"half-way fresh", news.Story{Lead: item("a", 12*time.Hour, "Half", "")}, recencyWeight / 2},
		{"three outlets", news.Story{Lead: item("a", 24*time.Hour, "T", ""),
			Others: []news.Item{item("b", 24*time.Hour, "T", ""), item("c", 24*time.Hour, "T", ""), item("c", 24*time.Hour, "T2", "")}}, 2 * outletWeight},
		{"outlets capped", news.Story{Lead: item("a", 24*time.Hour, "T", ""),
			Others: []news.Item{item("b", 24*time.Hour, "T", ""), item("c", 24*time.Hour, "T", ""), item("d", 24*time.Hour, "T", ""),
				item("e", 24*time.Hour, "T", ""), item("f", 24*time.Hour, "T", ""), item("g", 24*time.Hour, "T", "")}}, maxExtraOutlets * outletWeight},
		{"names CVEs", news.Story{Lead: item("a", 24*time.Hour, "C", ""), CVEs: []string{"CVE-2026-1", "CVE-2026-2"}}, cveWeight},
		{"critical stated by another outlet", news.Story{Lead: item("a", 24*time.Hour, "S", "Severity: low"),
			Others: []news.Item{item("b", 24*time.Hour, "S", "CVSS 9.1")}}, outletWeight + statedWeight[news.SeverityCritical]},
		{"everything", news.Story{Lead: item("a", 0, "E", "Severity: High"), Others: []news.Item{item("b", time.Hour, "E", "")},
			CVEs: []string{"CVE-2026-1"}}, outletWeight + cveWeight + recencyWeight + statedWeight[news.SeverityHigh]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := preScore(tt.s, rankIntel(tt.s), now, 24*time.Hour); got != tt.want {
				t.Errorf("preScore = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPreRank(t *testing.T) {
	now := time.Date(2026, 7, 5, 6, 0, 0, 0, time.UTC)
	story := func(title string, age time.Duration, outlets int, cves []string, content string) news.Story {
		s := news.Story{Lead: news.Item{FeedURL: "f0", Title: title, Content: content, Published: now.Add(-age)}, CVEs: cves}
		for i := 1; i < outlets; i++ {
			s.Others = append(s.Others, news.Item{FeedURL: fmt.Sprint("f", i), Title: title, Published: now.Add(-age)})
		}
		return s
	}
	stories := []news.Story{
		story("fresh lone", 0, 1, nil, ""),
		story("old lone b", 20*time.Hour, 1, nil, ""),
		story("cve", 20*time.Hour, 1, []string{"CVE-2026-1"}, ""),
		story("old lone a", 20*time.Hour, 1, nil, ""),
		story("four outlets", 20*time.Hour, 4, nil, ""),
		story("stated critical", 20*time.Hour, 1, nil, "CVSS v3 score 9.8"),
		story("newer lone", 10*time.Hour, 1, nil, ""),
	}
	PreRank(stories, now, 24*time.Hour)
	want := []string{"four outlets", "stated critical", "cve", "fresh lone", "newer lone", "old lone a", "old lone b"}
	for i, s := range stories {
		if s.Lead.Title != want[i] {
			t.Fatalf("position %d is %q, want order %v", i, s.Lead.Title, want)
		}
	}
}
