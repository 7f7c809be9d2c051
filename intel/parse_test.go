package intel

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

// kevFixture is CISA's real catalog in the shared corpus (1404 entries).
const kevFixture = "../../shared/corpus/intel/known_exploited_vulnerabilities.json"

// readKEVFixture returns the fixture, skipping the test when the corpus is
// not there.
func readKEVFixture(t testing.TB) []byte {
	t.Helper()
	body, err := os.ReadFile(kevFixture)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s not present", kevFixture)
	}
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParseKEVFixture(t *testing.T) {
	cat, err := parseKEV(readKEVFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Entries) != 1404 || cat.Version != "2025.08.25" ||
		!cat.Released.Equal(time.Date(2025, 8, 25, 17, 4, 19, 979600000, time.UTC)) {
		t.Fatalf("catalog: %d entries, version %q, released %s", len(cat.Entries), cat.Version, cat.Released)
	}
	first := cat.Entries[0]
	if first.CVEID != "CVE-2025-48384" || first.VendorProject != "Git" || first.Product != "Git" ||
		!first.DateAdded.Equal(date("2025-08-25")) || !first.DueDate.Equal(date("2025-09-15")) || first.Ransomware ||
		!strings.HasPrefix(first.ShortDescription, "Git contains a link following vulnerability") ||
		!strings.Contains(first.Notes, "https://github.com/git/git/security/advisories/GHSA-vwqx-4fm8-6qc9") {
		t.Errorf("first entry = %+v", first)
	}
	ransomware, ids := 0, map[string]bool{}
	for _, e := range cat.Entries {
		if e.Ransomware {
			ransomware++
		}
		ids[e.CVEID] = true
		if e.DateAdded.IsZero() || e.RequiredAction == "" {
			t.Errorf("%s: incomplete entry %+v", e.CVEID, e)
		}
	}
	if ransomware == 0 || ransomware == len(cat.Entries) {
		t.Errorf("%d of %d entries with known ransomware use", ransomware, len(cat.Entries))
	}
	if len(ids) != 1404 {
		t.Errorf("%d distinct CVEs, want 1404", len(ids))
	}
}

func TestParseKEVRefuses(t *testing.T) {
	tests := []struct{ name, body string }{
		{"not JSON", "<html>maintenance</html>"},
		{"no vulnerabilities", `{"catalogVersion": "x", "vulnerabilities": []}`},
		{"bad CVE id", `{"vulnerabilities": [{"cveID": "CVE-25-1", "dateAdded": "2025-01-01"}]}`},
		{"bad date added", `{"vulnerabilities": [{"cveID": "CVE-2025-0001", "dateAdded": "01/01/2025"}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parseKEV([]byte(tc.body)); !errors.Is(err, ErrFormat) {
				t.Errorf("parseKEV = %v, want ErrFormat", err)
			}
		})
	}
}

// epssCSV makes an EPSS file in FIRST's format with invented scores.
func epssCSV(scoreDate string, rows ...string) string {
	return "#model_version:v2025.03.14,score_date:" + scoreDate + "T00:00:00+0000\ncve,epss,percentile\n" +
		strings.Join(rows, "\n") + "\n"
}

func TestParseEPSS(t *testing.T) {
	set, err := parseEPSS([]byte(epssCSV("2026-09-13", "CVE-2026-90001,0.91234,0.99871", "cve-2026-90002,0.00042,0.1")))
	if err != nil {
		t.Fatal(err)
	}
	want := news.EPSSSet{ModelVersion: "v2025.03.14", ScoreDate: date("2026-09-13"), Scores: []news.EPSSScore{
		{CVEID: "CVE-2026-90001", Probability: 0.91234, Percentile: 0.99871},
		{CVEID: "CVE-2026-90002", Probability: 0.00042, Percentile: 0.1},
	}}
	if !reflect.DeepEqual(set, want) {
		t.Errorf("parseEPSS = %+v, want %+v", set, want)
	}
	t.Run("score date in RFC 3339, CRLF lines", func(t *testing.T) {
		set, err := parseEPSS([]byte("#model_version:v2023.03.01,score_date:2026-05-18T00:00:00Z\r\ncve,epss,percentile\r\nCVE-1999-0001,0.0046,0.7385\r\n"))
		if err != nil || !set.ScoreDate.Equal(date("2026-05-18")) || len(set.Scores) != 1 || set.ModelVersion != "v2023.03.01" {
			t.Errorf("parseEPSS = %+v, %v", set, err)
		}
	})
	t.Run("no comment line", func(t *testing.T) {
		set, err := parseEPSS([]byte("cve,epss,percentile\nCVE-1999-0001,0.5,0.5\n"))
		if err != nil || !set.ScoreDate.IsZero() || len(set.Scores) != 1 {
			t.Errorf("parseEPSS = %+v, %v", set, err)
		}
	})
}

func TestParseEPSSRefuses(t *testing.T) {
	tests := []struct{ name, body string }{
		{"wrong header", "#model_version:v1\ncve,score\nCVE-2026-0001,0.1\n"},
		{"no header", "CVE-2026-0001,0.1,0.2\n"},
		{"no rows", epssCSV("2026-09-13")},
		{"not a number", epssCSV("2026-09-13", "CVE-2026-0001,high,0.2")},
		{"probability above 1", epssCSV("2026-09-13", "CVE-2026-0001,1.5,0.2")},
		{"negative percentile", epssCSV("2026-09-13", "CVE-2026-0001,0.5,-0.2")},
		{"NaN", epssCSV("2026-09-13", "CVE-2026-0001,NaN,0.2")},
		{"not a CVE", epssCSV("2026-09-13", "GHSA-xxxx-yyyy,0.5,0.2")},
		{"two fields", epssCSV("2026-09-13", "CVE-2026-0001,0.5")},
		{"comment after header", epssCSV("2026-09-13", "#note", "CVE-2026-0001,0.5,0.5")},
		{"HTML", "<!doctype html><title>Moved</title>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parseEPSS([]byte(tc.body)); !errors.Is(err, ErrFormat) {
				t.Errorf("parseEPSS = %v, want ErrFormat", err)
			}
		})
	}
}

func readTestdata(t testing.TB, dir, id string) []byte {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", dir, id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func TestParseCVERecord(t *testing.T) {
	tests := []struct {
		id       string
		want     news.CVERecord
		rejected bool
	}{
		{"CVE-2026-90001", news.CVERecord{Title: "ExampleCorp Gateway Remote Code Execution Vulnerability",
			Description: "Improper input validation in Example Gateway allows an unauthenticated attacker to execute code over a network.",
			AdvisoryURL: "https://security.example.com/advisories/EX-2026-001",
			CVSS: &news.CVSSScore{Version: "3.1", Score: 9.8, Severity: "critical", Source: news.SourceCNA,
				Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}, false},
		{"CVE-2026-90002", news.CVERecord{Title: "Widget Server path traversal",
			Description: "A path traversal in Widget Server lets a remote user read arbitrary files.",
			CVSS: &news.CVSSScore{Version: "4.0", Score: 8.7, Severity: "high", Source: news.SourceCNA,
				Vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N"}}, false},
		{"CVE-2026-90003", news.CVERecord{
			Description: "Cross-site scripting in the admin panel of Tinyboard 2.1 allows stored script injection.",
			CVSS: &news.CVSSScore{Version: "3.1", Score: 5.4, Severity: "medium", Source: news.SourceCISAADP,
				Vector: "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N"}}, false},
		{"CVE-2026-90004", news.CVERecord{Title: "Quuxlib heap overflow",
			Description: "A heap buffer overflow in Quuxlib before 3.2 allows denial of service via a crafted archive."}, false},
		{"CVE-2026-90005", news.CVERecord{
			Description: "This candidate was withdrawn by its CNA: it duplicates CVE-2026-90001."}, true},
		{"CVE-2026-90006", news.CVERecord{Title: "Legacy Portal information disclosure", // javascript: advisory dropped
			Description: "Legacy Portal discloses session tokens in logs.",
			CVSS: &news.CVSSScore{Version: "3.0", Score: 6.5, Severity: "medium", Source: news.SourceCNA,
				Vector: "CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			got, rejected, err := parseCVERecord(tc.id, readTestdata(t, "cve", tc.id))
			if err != nil {
				t.Fatal(err)
			}
			tc.want.ID, tc.want.Found, tc.want.Source = tc.id, true, news.SourceCNA
			if !reflect.DeepEqual(got, tc.want) || rejected != tc.rejected {
				t.Errorf("parseCVERecord = %+v (cvss %+v), rejected %v\nwant %+v (cvss %+v), rejected %v",
					got, got.CVSS, rejected, tc.want, tc.want.CVSS, tc.rejected)
			}
		})
	}
	t.Run("another CVE's record", func(t *testing.T) {
		if _, _, err := parseCVERecord("CVE-2026-90002", readTestdata(t, "cve", "CVE-2026-90001")); !errors.Is(err, ErrFormat) {
			t.Errorf("err = %v, want ErrFormat", err)
		}
	})
	t.Run("not JSON", func(t *testing.T) {
		if _, _, err := parseCVERecord("CVE-2026-90002", []byte("{")); !errors.Is(err, ErrFormat) {
			t.Errorf("err = %v, want ErrFormat", err)
		}
	})
}

func TestParseNVD(t *testing.T) {
	rec, found, err := parseNVD("CVE-2026-90004", readTestdata(t, "nvd", "CVE-2026-90004"))
	if err != nil || !found {
		t.Fatalf("parseNVD = %v, %v", found, err)
	}
	want := news.CVERecord{ID: "CVE-2026-90004", Found: true, Source: news.SourceNVD,
		Description: "A heap buffer overflow in Quuxlib before 3.2 allows denial of service via a crafted archive.",
		AdvisoryURL: "https://quux.example/security/QSA-2026-01",
		CVSS: &news.CVSSScore{Version: "3.1", Score: 6.5, Severity: "medium", Source: news.SourceNVD, // NVD's Primary, not the CNA's
			Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H"}}
	if !reflect.DeepEqual(rec, want) {
		t.Errorf("parseNVD = %+v (cvss %+v)\nwant %+v (cvss %+v)", rec, rec.CVSS, want, want.CVSS)
	}
	rec, found, err = parseNVD("CVE-2026-90007", readTestdata(t, "nvd", "CVE-2026-90007"))
	if err != nil || !found || rec.CVSS == nil || rec.CVSS.Version != "4.0" || rec.CVSS.Score != 10 {
		t.Errorf("v4.0 only: %+v (cvss %+v), %v, %v", rec, rec.CVSS, found, err)
	}
	for _, body := range []string{`{"totalResults": 0, "vulnerabilities": []}`,
		fmt.Sprintf(`{"totalResults": 1, "vulnerabilities": [{"cve": {"id": %q}}]}`, "CVE-2026-1")} {
		if _, found, err := parseNVD("CVE-2026-90004", []byte(body)); found || err != nil {
			t.Errorf("parseNVD(%s) = %v, %v; want not found", body, found, err)
		}
	}
	if _, _, err := parseNVD("CVE-2026-90004", []byte(`{"message": "rate limited"}`)); !errors.Is(err, ErrFormat) {
		t.Errorf("no totalResults: %v, want ErrFormat", err)
	}
}

func TestNormalizeID(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{" cve-2025-53770 ", "CVE-2025-53770", true},
		{"CVE-2024-123456", "CVE-2024-123456", true},
		{"CVE-2024-123", "CVE-2024-123", false},
		{"CVE-24-1234", "CVE-24-1234", false},
		{"CVE-2024-1234<@1>", "CVE-2024-1234<@1>", false},
		{"", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := NormalizeID(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("NormalizeID(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}
