package news

import (
	"math"
	"slices"
	"testing"
)

func kev(ransomware bool) *KEVEntry { return &KEVEntry{Ransomware: ransomware} }
func cvss(score float64) *CVSSScore { return &CVSSScore{Version: CVSSv31, Score: score} }
func epss(p float64) *EPSSScore     { return &EPSSScore{Probability: p, Percentile: 0.5} }

func TestRaiseSeverity(t *testing.T) {
	intel := map[string]CVEIntel{
		"CVE-2025-0001": {ID: "CVE-2025-0001", KEV: kev(false)},
		"CVE-2025-0002": {ID: "CVE-2025-0002", CVSS: cvss(9.0)},
		"CVE-2025-0003": {ID: "CVE-2025-0003", CVSS: cvss(8.9), EPSS: epss(0.97)},
		"CVE-2025-0004": {ID: "CVE-2025-0004", KEV: kev(true), CVSS: cvss(7.5)},
		"CVE-2025-0005": {ID: "CVE-2025-0005", CVSS: cvss(math.NaN())},
		"CVE-2025-0006": {ID: "CVE-2025-0006", CVSS: cvss(10)},
	}
	tests := []struct {
		name      string
		sev       Severity
		ids       []string
		intel     map[string]CVEIntel
		want      Severity
		wantCause string // "" when not raised
	}{
		{"KEV raises high", SeverityHigh, []string{"CVE-2025-0001"}, intel, SeverityCritical, "CVE-2025-0001"},
		{"CVSS 9.0 raises low", SeverityLow, []string{"CVE-2025-0002"}, intel, SeverityCritical, "CVE-2025-0002"},
		{"CVSS 8.9 and high EPSS do not", SeverityMedium, []string{"CVE-2025-0003"}, intel, SeverityMedium, ""},
		{"NaN score does not", SeverityMedium, []string{"CVE-2025-0005"}, intel, SeverityMedium, ""},
		{"unknown CVE does not", SeverityHigh, []string{"CVE-2025-9999"}, intel, SeverityHigh, ""},
		{"no intel", SeverityHigh, []string{"CVE-2025-0001"}, nil, SeverityHigh, ""},
		{"already critical: no raise to explain", SeverityCritical, []string{"CVE-2025-0001"}, intel, SeverityCritical, ""},
		{"empty severity raised", "", []string{"CVE-2025-0002"}, intel, SeverityCritical, "CVE-2025-0002"},
		{"ids matched in any case", SeverityInfo, []string{" cve-2025-0001 "}, intel, SeverityCritical, "CVE-2025-0001"},
		{"ransomware KEV is the cause over CVSS 10 and plain KEV", SeverityHigh,
			[]string{"CVE-2025-0006", "CVE-2025-0001", "CVE-2025-0004"}, intel, SeverityCritical, "CVE-2025-0004"},
		{"KEV is the cause over CVSS 10", SeverityHigh, []string{"CVE-2025-0006", "CVE-2025-0001"}, intel, SeverityCritical, "CVE-2025-0001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, raise := RaiseSeverity(tt.sev, tt.ids, tt.intel)
			if got != tt.want {
				t.Errorf("severity %q, want %q", got, tt.want)
			}
			switch {
			case tt.wantCause == "" && raise != nil:
				t.Errorf("raised by %s, want no raise", raise.Cause.ID)
			case tt.wantCause != "" && raise == nil:
				t.Errorf("no raise, want one by %s", tt.wantCause)
			case raise != nil && (raise.Cause.ID != tt.wantCause || raise.From != tt.sev):
				t.Errorf("raise %+v, want from %q by %s", raise, tt.sev, tt.wantCause)
			}
		})
	}
}

func TestEffectiveSeverity(t *testing.T) {
	s := Summary{Severity: SeverityHigh, CVEs: []string{"CVE-2025-0001"}}
	intel := map[string]CVEIntel{"CVE-2025-0001": {ID: "CVE-2025-0001", KEV: kev(false)}}
	if sev, raise := s.EffectiveSeverity(intel); sev != SeverityCritical || raise == nil {
		t.Errorf("summary: %q %v", sev, raise)
	}
	if sev, raise := (Story{Summary: &s, Intel: intel}).EffectiveSeverity(); sev != SeverityCritical || raise == nil {
		t.Errorf("story: %q %v", sev, raise)
	}
	if sev, raise := (Story{Summary: &s}).EffectiveSeverity(); sev != SeverityHigh || raise != nil {
		t.Errorf("story without intel: %q %v", sev, raise)
	}
	if sev, raise := (Story{Intel: intel, CVEs: s.CVEs}).EffectiveSeverity(); sev != "" || raise != nil {
		t.Errorf("story without summary: %q %v", sev, raise)
	}
}

func TestCompareCVEIntel(t *testing.T) {
	// Most severe first, as the badges list them.
	want := []CVEIntel{
		{ID: "kev-ransomware", KEV: kev(true)},
		{ID: "kev-cvss", KEV: kev(false), CVSS: cvss(9.8)},
		{ID: "kev", KEV: kev(false)},
		{ID: "cvss-10", CVSS: cvss(10)},
		{ID: "cvss-7-epss-high", CVSS: cvss(7), EPSS: epss(0.9)},
		{ID: "cvss-7-epss-low", CVSS: cvss(7), EPSS: epss(0.01)},
		{ID: "cvss-0", CVSS: cvss(0)},
		{ID: "epss-only", EPSS: epss(0.99)},
		{ID: "nothing"},
	}
	for _, perm := range [][]int{{8, 7, 6, 5, 4, 3, 2, 1, 0}, {4, 0, 8, 2, 6, 1, 7, 3, 5}} {
		got := make([]CVEIntel, len(perm))
		for i, j := range perm {
			got[i] = want[j]
		}
		slices.SortStableFunc(got, CompareCVEIntel)
		for i := range want {
			if got[i].ID != want[i].ID {
				t.Fatalf("order from %v: position %d is %s, want %s", perm, i, got[i].ID, want[i].ID)
			}
		}
	}
	if c := CompareCVEIntel(CVEIntel{ID: "a", CVSS: cvss(5)}, CVEIntel{ID: "b", CVSS: cvss(5)}); c != 0 {
		t.Errorf("equal intel compares %d", c)
	}
}
