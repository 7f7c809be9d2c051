package render

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// toolshell is the intel of the example.
func toolshell() news.CVEIntel {
	return news.CVEIntel{ID: "CVE-2025-53770",
		KEV:  &news.KEVEntry{CVEID: "CVE-2025-53770", DateAdded: day("2025-07-20"), DueDate: day("2025-07-21"), Ransomware: true},
		EPSS: &news.EPSSScore{CVEID: "CVE-2025-53770", Probability: 0.94, Percentile: 0.998},
		CVSS: &news.CVSSScore{Version: news.CVSSv31, Score: 9.8, Severity: "CRITICAL", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
	}
}

func TestBadge(t *testing.T) {
	full := toolshell()
	tests := []struct {
		name string
		in   news.CVEIntel
		want string
	}{
		{"everything", full, "CVE-2025-53770 · CVSS 9.8 critical · KEV since 2025-07-20 (due 2025-07-21, ransomware) · EPSS 94% (top 0.2%)"},
		{"nothing known", news.CVEIntel{ID: "CVE-2025-53770"}, "CVE-2025-53770"},
		{"CVSS only", news.CVEIntel{CVSS: full.CVSS}, "CVE-2025-53770 · CVSS 9.8 critical"},
		{"CVSS without a stated rating", news.CVEIntel{CVSS: &news.CVSSScore{Score: 7}}, "CVE-2025-53770 · CVSS 7.0 high"},
		{"CVSS with a rating that is no CVSS word", news.CVEIntel{CVSS: &news.CVSSScore{Score: 4.3, Severity: "<@&1>"}}, "CVE-2025-53770 · CVSS 4.3 medium"},
		{"CVSS 0", news.CVEIntel{CVSS: &news.CVSSScore{Score: 0}}, "CVE-2025-53770 · CVSS 0.0 none"},
		{"CVSS out of range left out", news.CVEIntel{CVSS: &news.CVSSScore{Score: 11}}, "CVE-2025-53770"},
		{"CVSS NaN left out", news.CVEIntel{CVSS: &news.CVSSScore{Score: math.NaN()}}, "CVE-2025-53770"},
		{"KEV only", news.CVEIntel{KEV: &news.KEVEntry{DateAdded: day("2024-01-02"), DueDate: day("2024-01-23")}},
			"CVE-2025-53770 · KEV since 2024-01-02 (due 2024-01-23)"},
		{"KEV without due date, ransomware", news.CVEIntel{KEV: &news.KEVEntry{DateAdded: day("2024-01-02"), Ransomware: true}},
			"CVE-2025-53770 · KEV since 2024-01-02 (ransomware)"},
		{"KEV without dates", news.CVEIntel{KEV: &news.KEVEntry{}}, "CVE-2025-53770 · KEV"},
		{"EPSS only", news.CVEIntel{EPSS: full.EPSS}, "CVE-2025-53770 · EPSS 94% (top 0.2%)"},
		{"EPSS small", news.CVEIntel{EPSS: &news.EPSSScore{Probability: 0.00043, Percentile: 0.12}}, "CVE-2025-53770 · EPSS 0.04% (top 88%)"},
		{"EPSS tiny, top percentile", news.CVEIntel{EPSS: &news.EPSSScore{Probability: 0.00001, Percentile: 1}}, "CVE-2025-53770 · EPSS <0.01% (top 0.01%)"},
		{"EPSS without percentile", news.CVEIntel{EPSS: &news.EPSSScore{Probability: 0.025}}, "CVE-2025-53770 · EPSS 2.5%"},
		{"EPSS out of range left out", news.CVEIntel{EPSS: &news.EPSSScore{Probability: 1.5}}, "CVE-2025-53770"},
		{"record alone adds nothing", news.CVEIntel{Record: &news.CVERecord{Found: true, Title: "@everyone"}}, "CVE-2025-53770"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Badge("CVE-2025-53770", tt.in); got != tt.want {
				t.Errorf("Badge = %q\nwant     %q", got, tt.want)
			}
		})
	}
}

func TestPercent(t *testing.T) {
	for x, want := range map[float64]string{1: "100%", 0.94: "94%", 0.1: "10%", 0.0996: "10%", 0.025: "2.5%", 0.01: "1%",
		0.002: "0.2%", 0.0004: "0.04%", 0.00004: "<0.01%", 0: "0%"} {
		if got := percent(x); got != want {
			t.Errorf("percent(%v) = %q, want %q", x, got, want)
		}
	}
}

// manyCVEs are n ids with intel of falling severity in a shuffled order:
// the ids, the intel, and the ids most severe first.
func manyCVEs(n int) (ids []string, intel map[string]news.CVEIntel, bySeverity []string) {
	intel = map[string]news.CVEIntel{}
	for i := range n {
		id := fmt.Sprintf("CVE-2025-%05d", i+1000)
		bySeverity = append(bySeverity, id)
		// Severity falls with i: one ransomware KEV, one KEV, then CVSS
		// scores falling, then EPSS only, then nothing.
		in := news.CVEIntel{ID: id}
		switch {
		case i == 0:
			in.KEV = &news.KEVEntry{DateAdded: day("2025-01-01"), Ransomware: true}
		case i == 1:
			in.KEV = &news.KEVEntry{DateAdded: day("2025-01-02")}
			in.CVSS = &news.CVSSScore{Score: 5}
		case i < 8:
			in.CVSS = &news.CVSSScore{Score: 10 - float64(i)/2}
		case i < 10:
			in.EPSS = &news.EPSSScore{Probability: 0.5 - float64(i)/100, Percentile: 0.9}
		}
		if in.Known() {
			intel[id] = in
		}
	}
	for i := range n { // a fixed shuffle: odd positions first, backwards
		if j := n - 1 - i; j%2 == 1 {
			ids = append(ids, strings.ToLower(bySeverity[j]))
		}
	}
	for i := range n {
		if i%2 == 0 {
			ids = append(ids, bySeverity[i])
		}
	}
	return ids, intel, bySeverity
}

func TestBadgeLines(t *testing.T) {
	ids, intel, bySeverity := manyCVEs(12)
	lines, more, ok := badgeLines(intel, ids, []string{"not-a-cve", bySeverity[3]})
	if !ok || more != 12-MaxBadges || len(lines) != MaxBadges {
		t.Fatalf("%d lines, %d more, ok %v; want %d, %d, true", len(lines), more, ok, MaxBadges, 12-MaxBadges)
	}
	for i, line := range lines {
		if want := cveLink(bySeverity[i]); !strings.HasPrefix(line, want) {
			t.Errorf("line %d = %q, want the badge of %s (most severe first)", i, line, bySeverity[i])
		}
	}
	if !strings.Contains(lines[0], "ransomware") || !strings.Contains(lines[1], "KEV since 2025-01-02") {
		t.Errorf("KEV with ransomware, then KEV, do not come first: %q", lines[:2])
	}

	few, more, ok := badgeLines(intel, []string{bySeverity[11], bySeverity[8]})
	if !ok || more != 0 || len(few) != 2 || few[0] != Badge(cveLink(bySeverity[8]), intel[bySeverity[8]]) || few[1] != cveLink(bySeverity[11]) {
		t.Errorf("an unknown id after a known one: %q, %d more", few, more)
	}
	if _, _, ok := badgeLines(intel, []string{bySeverity[11]}); ok {
		t.Error("ids intel knows nothing of are badged")
	}
	if _, _, ok := badgeLines(nil, ids); ok {
		t.Error("badged without intel")
	}
}

func TestCVEFieldWithIntel(t *testing.T) {
	ids, intel, bySeverity := manyCVEs(30)
	f := cveField(intel, ids)
	if f.Inline {
		t.Error("badge lines are inline")
	}
	lines := strings.Split(f.Value, "\n")
	if len(lines) != MaxBadges+1 || lines[MaxBadges] != "…and 25 more" {
		t.Errorf("field = %q, want %d badges and \"…and 25 more\"", f.Value, MaxBadges)
	}
	if !strings.HasPrefix(lines[0], cveLink(bySeverity[0])) {
		t.Errorf("first line %q", lines[0])
	}
	if f := cveField(nil, ids); !f.Inline || strings.Count(f.Value, "\n") < MaxBadges {
		t.Errorf("without intel: inline %v, %q; want every id that fits, as before", f.Inline, f.Value)
	}
}

// TestBadgesFitAField: MaxBadges badges of the longest ids render accepts,
// with every part at its longest, and the "…and N more" line fit in one
// field value, and are safe.
func TestBadgesFitAField(t *testing.T) {
	intel := map[string]news.CVEIntel{}
	var ids []string
	for i := range 99999 {
		id := fmt.Sprintf("CVE-2025-%019d", i)
		ids = append(ids, id)
		if i < 10 {
			intel[id] = news.CVEIntel{ID: id,
				KEV:  &news.KEVEntry{DateAdded: day("2025-07-20"), DueDate: day("2025-07-21"), Ransomware: true},
				EPSS: &news.EPSSScore{Probability: 1, Percentile: 1e-9},
				CVSS: &news.CVSSScore{Score: 10, Severity: "critical"}}
		}
	}
	lines, more, _ := badgeLines(intel, ids)
	value := strings.Join(append(lines, moreLine(more)), "\n")
	if n := runeLen(value); n > MaxFieldValue {
		t.Errorf("%d runes, max %d", n, MaxFieldValue)
	}
	if f := cveField(intel, ids); f.Value != value {
		t.Errorf("the field was cut:\n%s", f.Value)
	}
	if err := CheckTextSafe(value); err != nil {
		t.Error(err)
	}
}

func TestSeverityRaiseNote(t *testing.T) {
	kev := news.CVEIntel{ID: "CVE-2025-1111", KEV: &news.KEVEntry{}}
	ransom := news.CVEIntel{ID: "CVE-2025-2222", KEV: &news.KEVEntry{Ransomware: true}}
	cvss := news.CVEIntel{ID: "CVE-2025-3333", CVSS: &news.CVSSScore{Score: 9.1}}
	tests := []struct {
		name  string
		raise *news.SeverityRaise
		want  string
	}{
		{"not raised", nil, ""},
		{"KEV", &news.SeverityRaise{From: news.SeverityHigh, Cause: kev}, "Raised from High: CVE-2025-1111 is known exploited (CISA KEV)"},
		{"ransomware", &news.SeverityRaise{From: news.SeverityLow, Cause: ransom},
			"Raised from Low: CVE-2025-2222 is known exploited in ransomware campaigns (CISA KEV)"},
		{"CVSS", &news.SeverityRaise{From: news.SeverityMedium, Cause: cvss}, "Raised from Medium: CVE-2025-3333 has a CVSS base score of 9.1"},
		{"from no severity", &news.SeverityRaise{From: "", Cause: kev}, "Raised to critical: CVE-2025-1111 is known exploited (CISA KEV)"},
		{"malformed id not shown", &news.SeverityRaise{From: news.SeverityHigh, Cause: news.CVEIntel{ID: "<@1>", KEV: &news.KEVEntry{}}},
			"Raised from High: a CVE it names is known exploited (CISA KEV)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := raiseNote(tt.raise); got != tt.want {
				t.Errorf("raiseNote = %q\nwant %q", got, tt.want)
			}
		})
	}
}

// sampleIntel knows the sample summary's first CVE as known exploited.
func sampleIntel() map[string]news.CVEIntel {
	return map[string]news.CVEIntel{
		"CVE-2025-12345": {ID: "CVE-2025-12345",
			KEV:  &news.KEVEntry{DateAdded: day("2025-01-10"), DueDate: day("2025-01-31")},
			EPSS: &news.EPSSScore{Probability: 0.42, Percentile: 0.97},
			CVSS: &news.CVSSScore{Version: news.CVSSv31, Score: 8.1, Severity: "high"}},
		"CVE-2025-12346": {ID: "CVE-2025-12346", EPSS: &news.EPSSScore{Probability: 0.0012, Percentile: 0.31}},
	}
}

func TestSummaryWithIntel(t *testing.T) {
	s := sampleSummary()
	s.Severity = news.SeverityHigh
	msg := SummaryMessage(s, sampleArticle, sampleIntel())
	if err := checkMessage(msg); err != nil {
		t.Fatal(err)
	}
	e := msg.Embeds[0]
	goldenJSON(t, "summary_intel_embed.json.golden", e)
	if e.Color != ColorCritical {
		t.Errorf("colour %#x, want critical: CVE-2025-12345 is in KEV", e.Color)
	}
	if got, want := fieldValue(e, "Severity"), "🔴 Critical\nRaised from High: CVE-2025-12345 is known exploited (CISA KEV)"; got != want {
		t.Errorf("severity field %q, want %q", got, want)
	}
	want := cveLink("CVE-2025-12345") + " · CVSS 8.1 high · KEV since 2025-01-10 (due 2025-01-31) · EPSS 42% (top 3%)\n" +
		cveLink("CVE-2025-12346") + " · EPSS 0.1% (top 69%)"
	if got := fieldValue(e, "CVEs"); got != want {
		t.Errorf("CVEs field\n%s\nwant\n%s", got, want)
	}

	md := Markdown(s, sampleIntel())
	golden(t, "summary_intel.md.golden", []byte(md))
	for _, want := range []string{
		"**Severity:** Critical — raised from High: CVE-2025-12345 is known exploited (CISA KEV)\n",
		"- " + cveLink("CVE-2025-12345") + " · CVSS 8.1 high · KEV since 2025-01-10 (due 2025-01-31) · EPSS 42% (top 3%)\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestSummaryNotRaised(t *testing.T) {
	s := sampleSummary()
	s.Severity = news.SeverityMedium
	intel := map[string]news.CVEIntel{"CVE-2025-12346": {ID: "CVE-2025-12346", CVSS: &news.CVSSScore{Score: 8.9}, EPSS: &news.EPSSScore{Probability: 0.9}}}
	e := Summary(s, sampleArticle, intel)
	if e.Color != ColorMedium || fieldValue(e, "Severity") != "🟡 Medium" {
		t.Errorf("CVSS 8.9 and EPSS raised the severity: colour %#x, %q", e.Color, fieldValue(e, "Severity"))
	}
	if lines := strings.Split(fieldValue(e, "CVEs"), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], cveLink("CVE-2025-12346")) {
		t.Errorf("the known CVE is not listed first: %q", lines)
	}
}

// TestManyCVEsWithIntelHoldTheLimits: a summary and a digest whose stories
// name hundreds of CVEs, all known, hold every Discord limit.
func TestManyCVEsWithIntelHoldTheLimits(t *testing.T) {
	ids, intel, _ := manyCVEs(300)
	for id := range intel {
		in := intel[id]
		in.KEV = &news.KEVEntry{DateAdded: day("2025-07-20"), DueDate: day("2025-07-21"), Ransomware: true}
		in.EPSS = &news.EPSSScore{Probability: 0.5, Percentile: 0.5}
		in.CVSS = &news.CVSSScore{Score: 9.9}
		intel[id] = in
	}
	s := hostileSummary()
	s.CVEs = ids
	msg := SummaryMessage(s, sampleArticle, intel)
	if err := checkMessage(msg); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fieldValue(msg.Embeds[0], "CVEs"), "…and 295 more") {
		t.Errorf("CVEs field: %q", fieldValue(msg.Embeds[0], "CVEs"))
	}
	d := sampleDigest()
	for range 30 {
		d.Stories = append(d.Stories, news.Story{Lead: news.Item{Title: strings.Repeat("long title ", 30), Content: strings.Repeat("text ", 500)},
			Summary: &s, CVEs: ids, Intel: intel})
	}
	for i, m := range DigestMessages(d) {
		if err := checkMessage(m); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
}

func TestDigestWithIntel(t *testing.T) {
	d := sampleDigest()
	d.Stories[0].Summary.Severity = news.SeverityHigh
	d.Stories[0].Intel = sampleIntel()
	// The low story names a CVE with CVSS 9.8: raised, the reason shown.
	low := *d.Stories[2].Summary
	low.CVEs = []string{"CVE-2025-40000"}
	d.Stories[2].Summary = &low
	d.Stories[2].Intel = map[string]news.CVEIntel{"CVE-2025-40000": {ID: "CVE-2025-40000", CVSS: &news.CVSSScore{Score: 9.8, Severity: "critical"}}}

	msgs := DigestMessages(d)
	goldenJSON(t, "digest_intel.json.golden", msgs)
	for i, m := range msgs {
		if err := checkMessage(m); err != nil {
			t.Errorf("message %d: %v", i, err)
		}
	}
	if !strings.Contains(msgs[0].Content, "2 critical") {
		t.Errorf("header %q does not count the raised stories as critical", msgs[0].Content)
	}
	e := msgs[1].Embeds[2]
	if e.Color != ColorCritical || fieldValue(e, "Severity") != "🔴 Critical\nRaised from Low: CVE-2025-40000 has a CVSS base score of 9.8" {
		t.Errorf("raised story: colour %#x, severity %q", e.Color, fieldValue(e, "Severity"))
	}
	if got, want := fieldValue(e, "CVEs"), cveLink("CVE-2025-40000")+" · CVSS 9.8 critical"; got != want {
		t.Errorf("CVEs field %q, want %q", got, want)
	}

	md := DigestMarkdown(d)
	golden(t, "digest_intel.md.golden", []byte(md))
	for _, want := range []string{
		"_Severity raised from Low: CVE-2025-40000 has a CVSS base score of 9.8._\n",
		"**CVEs:**\n\n- " + cveLink("CVE-2025-12345") + " · CVSS 8.1 high · KEV since 2025-01-10 (due 2025-01-31) · EPSS 42% (top 3%)\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}
