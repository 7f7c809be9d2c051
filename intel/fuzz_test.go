package intel

import (
	"strings"
	"testing"
)

// FuzzParseEPSS: whatever the file, a parsed set holds only CVE ids and
// scores from 0 to 1, and a refused one is a format error.
func FuzzParseEPSS(f *testing.F) {
	f.Add(epssCSV("2026-09-13", "CVE-2026-90001,0.94,0.998"))
	f.Add("cve,epss,percentile\nCVE-1999-0001,1e-3,1\n")
	f.Add("#score_date:x\ncve,epss,percentile\nCVE-1999-0001,NaN,0.5\n")
	f.Fuzz(func(t *testing.T, body string) {
		set, err := parseEPSS([]byte(body))
		if err != nil {
			if !strings.Contains(err.Error(), ErrFormat.Error()) {
				t.Fatalf("error %v is not a format error", err)
			}
			return
		}
		for _, s := range set.Scores {
			if id, ok := NormalizeID(s.CVEID); !ok || id != s.CVEID {
				t.Fatalf("score of %q", s.CVEID)
			}
			if !(s.Probability >= 0 && s.Probability <= 1 && s.Percentile >= 0 && s.Percentile <= 1) {
				t.Fatalf("score out of range: %+v", s)
			}
		}
	})
}

// FuzzParseCVERecord: a parsed record is of the CVE asked for, its score
// is a valid CVSS base score with a known severity, and its advisory link
// is a web URL.
func FuzzParseCVERecord(f *testing.F) {
	for _, id := range []string{"CVE-2026-90001", "CVE-2026-90003", "CVE-2026-90005"} {
		f.Add(string(readTestdata(f, "cve", id)))
	}
	f.Fuzz(func(t *testing.T, body string) {
		const id = "CVE-2026-90001"
		rec, _, err := parseCVERecord(id, []byte(body))
		if err != nil {
			return
		}
		if rec.ID != id || !rec.Found {
			t.Fatalf("record %+v", rec)
		}
		if c := rec.CVSS; c != nil {
			if c.Score < 0 || c.Score > 10 || !strings.Contains("critical high medium low none", c.Severity) || c.Severity == "" {
				t.Fatalf("cvss %+v", c)
			}
		}
		if rec.AdvisoryURL != "" && !webURL(rec.AdvisoryURL) {
			t.Fatalf("advisory %q", rec.AdvisoryURL)
		}
	})
}
