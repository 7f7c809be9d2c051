package render

import (
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

func TestSourceNote(t *testing.T) {
	now := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	released := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		st   news.SourceStatus
		want string
	}{
		{"stale KEV", news.SourceStatus{Source: news.IntelKEV, RefreshedAt: now.Add(-3 * time.Hour), DataDate: released},
			"KEV data from 2026-12-04 (3 h old)"},
		{"failing EPSS", news.SourceStatus{Source: news.IntelEPSS, RefreshedAt: now.Add(-50 * time.Hour), DataDate: released,
			ErrorKind: news.IntelErrHTTP, ErrorAt: now}, "EPSS data from 2026-12-04 (2 days old; refresh failing)"},
		{"no data date", news.SourceStatus{Source: news.IntelKEV, RefreshedAt: now.Add(-45 * time.Minute)},
			"KEV data from 2026-12-05 (45 min old)"},
		{"never loaded", news.SourceStatus{Source: news.IntelKEV}, "KEV data not loaded yet"},
		{"never loaded, failing", news.SourceStatus{Source: news.IntelEPSS, ErrorKind: news.IntelErrNetwork, ErrorAt: now},
			"EPSS data not loaded yet; download failing"},
		{"CVE records failing", news.SourceStatus{Source: news.IntelCVE, ErrorKind: news.IntelErrNetwork, ErrorAt: now.Add(-90 * time.Minute)},
			"CVE record lookups failing (last failure 1 h ago)"},
		{"NVD fine", news.SourceStatus{Source: news.IntelNVD, RefreshedAt: now}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SourceNote(tt.st, now); got != tt.want {
				t.Errorf("SourceNote = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestCVEEmbedNVDAttribution: a score from NVD carries NVD's notice.
func TestCVEEmbedNVDAttribution(t *testing.T) {
	cvss := &news.CVSSScore{Version: news.CVSSv31, Score: 7.5, Severity: "HIGH", Source: news.SourceNVD}
	l := CVELookup{ID: "CVE-2026-0001", Enabled: true, KEVLoaded: true, EPSSLoaded: true,
		Intel: news.CVEIntel{ID: "CVE-2026-0001", CVSS: cvss, Record: &news.CVERecord{Found: true, Source: news.SourceNVD,
			FetchedAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), CVSS: cvss}}}
	e := CVEEmbed(l)
	if e.Footer == nil || !strings.HasSuffix(e.Footer.Text, news.NVDAttribution) || !strings.HasPrefix(e.Footer.Text, "Record from NVD, fetched 2026-12-01") {
		t.Errorf("footer %+v, want the record's source and NVD's notice", e.Footer)
	}
	if e.Color != ColorHigh {
		t.Errorf("colour %#x, want high's", e.Color)
	}
}

// FuzzCVEEmbed: whatever the sources say, /cve's embed holds Discord's
// limits, pings no one and links only where render says.
func FuzzCVEEmbed(f *testing.F) {
	f.Add("Title @everyone", "Desc <@123> [x](https://evil.example)", "CVSS:3.1/AV:N", "https://acme.example/a", "Vuln", "Act", "Story <#1>", "https://news.example/1", 9.8, 0.5)
	f.Add(strings.Repeat("t", 500), strings.Repeat("d ", 5000), strings.Repeat("`", 300), "javascript:alert(1)", strings.Repeat("n", 2000), "", "", "", -1.0, 2.0)
	f.Fuzz(func(t *testing.T, title, desc, vector, advisory, vuln, action, storyTitle, storyURL string, score, prob float64) {
		in := news.CVEIntel{ID: "CVE-2026-0001",
			KEV:  &news.KEVEntry{VulnerabilityName: vuln, RequiredAction: action, VendorProject: title, Product: vuln, Ransomware: true},
			EPSS: &news.EPSSScore{Probability: prob, Percentile: prob, ModelVersion: vector},
			CVSS: &news.CVSSScore{Version: vector, Score: score, Severity: title, Vector: vector, Source: action},
			Record: &news.CVERecord{Found: true, Title: title, Description: desc, AdvisoryURL: advisory, Source: vuln,
				FetchedAt: time.Unix(0, 0)}}
		var posted []news.PostedCVE
		for range 8 {
			posted = append(posted, news.PostedCVE{GuildID: "1", ChannelID: "2", MessageID: "3", Title: storyTitle, URL: storyURL})
		}
		for _, enabled := range []bool{true, false} {
			msg := CVEMessage(CVELookup{ID: "CVE-2026-0001", Enabled: enabled, Intel: in, Posted: posted,
				Notes: []string{SourceNote(news.SourceStatus{Source: vuln}, time.Now())}})
			if err := checkMessage(msg); err != nil {
				t.Fatal(err)
			}
		}
	})
}
