package render

import (
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/secbrief/secbrief/news"
)

func TestMarkdownGolden(t *testing.T) {
	golden(t, "summary.md.golden", []byte(Markdown(sampleSummary(), nil)))
}

func TestMarkdownPastedTextAndTerminalEscapes(t *testing.T) {
	s := news.Summary{Title: "\x1b]0;pwned\x07Title", TLDR: "x [a](https://acme.example) y"}
	got := Markdown(s, nil)
	if strings.ContainsRune(got, '\x1b') || strings.ContainsRune(got, '\x07') {
		t.Errorf("terminal escape survived: %q", got)
	}
	for _, want := range []string{"# ]0;pwnedTitle\n", "x a (https://acme.example) y", "Source: pasted text"} {
		if !strings.Contains(got, want) {
			t.Errorf("markdown lacks %q:\n%s", want, got)
		}
	}
}

func TestSummaryGolden(t *testing.T) {
	goldenJSON(t, "summary_embed.json.golden", Summary(sampleSummary(), sampleArticle, nil))
}

func TestSummaryEmbed(t *testing.T) {
	e := Summary(sampleSummary(), sampleArticle, nil)
	if e.URL != "https://news.example/acme-vpn-flaw" || e.Color != ColorCritical {
		t.Errorf("url %q colour %#x", e.URL, e.Color)
	}
	cves := fieldValue(e, "CVEs")
	want := "[CVE-2025-12345](https://nvd.nist.gov/vuln/detail/CVE-2025-12345)\n[CVE-2025-12346](https://nvd.nist.gov/vuln/detail/CVE-2025-12346)"
	if cves != want {
		t.Errorf("CVEs field = %q, want %q (malformed ids dropped)", cves, want)
	}
	if !strings.Contains(e.Description, "https://acme.example/advisories/2025-001") {
		t.Errorf("URL from the article was dropped: %q", e.Description)
	}
	msg := SummaryMessage(sampleSummary(), sampleArticle, nil)
	if err := checkMessage(msg); err != nil {
		t.Error(err)
	}
}

func TestSummaryColours(t *testing.T) {
	tests := []struct {
		sev  news.Severity
		want int
	}{
		{news.SeverityCritical, ColorCritical}, {news.SeverityHigh, ColorHigh}, {news.SeverityMedium, ColorMedium},
		{news.SeverityLow, ColorLow}, {news.SeverityInfo, ColorInfo}, {"bogus", ColorInfo}, {"", ColorInfo},
	}
	for _, tt := range tests {
		t.Run(string(tt.sev), func(t *testing.T) {
			s := sampleSummary()
			s.Severity = tt.sev
			e := Summary(s, sampleArticle, nil)
			if e.Color != tt.want {
				t.Errorf("colour %#x, want %#x", e.Color, tt.want)
			}
			if hasField := fieldValue(e, "Severity") != ""; hasField != tt.sev.Valid() {
				t.Errorf("severity field present=%v for %q", hasField, tt.sev)
			}
		})
	}
}

func TestSummaryHostile(t *testing.T) {
	msg := SummaryMessage(hostileSummary(), sampleArticle, nil)
	if err := checkMessage(msg); err != nil {
		t.Fatal(err)
	}
	e := msg.Embeds[0]
	all := embedText(e)
	if strings.Contains(all, "evil.example") {
		t.Errorf("a URL not in the article survived:\n%s", all)
	}
	if err := checkURLs(all, URLsFrom(sampleArticle, "https://news.example/a")); err != nil {
		t.Error(err)
	}
	if strings.ContainsAny(all, "\u202e\x1b\u2060") {
		t.Errorf("invisible or control characters survived")
	}
	if !strings.Contains(fieldValue(e, "Key points"), "more") {
		t.Errorf("100 key points do not end with an \"…and N more\" line: %q", fieldValue(e, "Key points"))
	}
	if got := fieldValue(e, "CVEs"); got != cveLink("CVE-2025-1234") {
		t.Errorf("CVEs = %q, want only the well-formed id", got)
	}
}

func TestSummaryFitsTheEmbedTotal(t *testing.T) {
	s := sampleSummary()
	s.TLDR = strings.Repeat("word ", 2000)
	long := make([]string, 40)
	for i := range long {
		long[i] = strings.Repeat(fmt.Sprintf("item%d ", i), 60)
	}
	s.KeyPoints, s.Affected, s.Actions = long, long, long
	e := Summary(s, sampleArticle, nil)
	if err := CheckEmbedLimits(e); err != nil {
		t.Fatal(err)
	}
	if n := EmbedLength(e); n < MaxEmbedTotal-300 {
		t.Errorf("embed shrank to %d runes, wasting room under %d", n, MaxEmbedTotal)
	}
	if len(e.Fields) != 5 {
		t.Errorf("%d fields, want all 5 kept", len(e.Fields))
	}
}

func TestSummaryPastedText(t *testing.T) {
	e := Summary(news.Summary{TLDR: "short"}, "text", nil)
	if e.URL != "" || e.Title != "Pasted text" || e.Footer == nil || e.Footer.Text != "Pasted text" || e.Timestamp != "" {
		t.Errorf("pasted-text embed: url %q title %q footer %+v timestamp %q", e.URL, e.Title, e.Footer, e.Timestamp)
	}
	if err := CheckEmbedLimits(e); err != nil {
		t.Error(err)
	}
}

func TestSummaryRefusesBadSourceURL(t *testing.T) {
	for _, u := range []string{"javascript:alert(1)", "https://user:pw@news.example/", "https://news.example/a b", "/relative"} {
		s := sampleSummary()
		s.SourceURL = u
		if e := Summary(s, sampleArticle, nil); e.URL != "" {
			t.Errorf("SourceURL %q became the embed URL", u)
		}
	}
}

func FuzzRender(f *testing.F) {
	// Small seeds: the target repeats its inputs up to Discord's sizes, and
	// large seeds make the engine's minimizing slow.
	f.Add("@everyone [t](https://evil.example)", "@here <@1> <@!2> <@&3> <#4> [x](https://evil.example) https://evil.example/b \u202e\u200b@\u2060here",
		"[https://a.example](https://evil.example)", "high", "[CVE-2025-1](https://evil.example)", "<@&123>", "@\u200beveryone",
		"https://news.example/a", "@everyone <@&1> news", "<@123> model", "see https://a.example")
	s := sampleSummary()
	f.Add(s.Title, s.TLDR, s.KeyPoints[0], string(s.Severity), s.CVEs[0], s.Affected[0], s.Actions[0], s.SourceURL, s.Site, s.Model, sampleArticle)
	f.Add("", "", "", "", "", "", "", "", "", "", "")
	f.Add("[a](b)", "<@&1>", "@@everyone", "x", "CVE-2025-0001", "<<@1>>", "[x][y](z)", "https://a", "\u200b", "\xff", "[a](b)")
	// Ids, kept and replaced as the summarizer leaves them, long ones near
	// every cut, and pieces of ids that layout could join.
	f.Add("CVE-2025-12345678 in Acme", "Acme fixed CVE-2025-1234567, not an unnamed CVE. ", "see GHSA-vp9c-fpxx-744v and an unnamed advisory",
		"high", "cve-2025-1234567", "CVE 2025", "1234 5678 CVE-2025-12345678", "https://news.example/CVE-2025-99999", "CVE", "2025-0001",
		"CVE-2025-1234567 GHSA-vp9c-fpxx-744v")
	f.Add(strings.Repeat("CVE-2025-123456,", 20), strings.Repeat("CVE-2025-123456", 7), strings.Repeat("GHSA-2222-3333-4444-", 20),
		"low", "CVE-2025-123456", "[CVE](https://evil.example)-2025-1234", "CVE-2025-\u200b12345", "", "", "", "")
	f.Fuzz(func(t *testing.T, title, tldr, point, sev, cve, affected, action, sourceURL, site, model, article string) {
		rep := func(x string, n int) []string {
			out := make([]string, n)
			for i := range out {
				out[i] = x
			}
			return out
		}
		s := news.Summary{
			Title: title, TLDR: strings.Repeat(tldr, 1+4200/(len(tldr)+1)), KeyPoints: rep(point, 30),
			Severity: news.Severity(sev), CVEs: rep(cve, 3), Affected: rep(affected, 30), Actions: rep(action, 30),
			SourceURL: sourceURL, Site: site, Model: model, Published: time.Unix(int64(len(title))*1e7, 0),
		}
		intel := fuzzIntel(cve, len(title), len(tldr), len(point))
		msg := SummaryMessage(s, article, intel)
		if err := checkMessage(msg); err != nil {
			t.Fatal(err)
		}
		known := inputIDs(URLsFrom(article, sourceURL), title, tldr, point, affected, action, site, model, sourceURL)
		idsIn(known, cve)
		if err := checkNoNewIDs(messageText(msg), known); err != nil {
			t.Fatal(err)
		}
		if err := checkURLs(embedText(msg.Embeds[0]), URLsFrom(article, sourceURL)); err != nil {
			t.Fatal(err)
		}
		d := news.Digest{At: s.Published, More: len(tldr), Stories: []news.Story{
			{Lead: news.Item{Title: title, Link: sourceURL, FeedTitle: site, Content: article}, Summary: &s, CVEs: []string{cve}, Intel: intel},
			{Lead: news.Item{Title: tldr, Link: sourceURL, FeedTitle: model, Content: tldr},
				Others: []news.Item{{FeedTitle: site, Link: point}, {FeedTitle: affected, Link: action}}},
		}}
		digestKnown := map[string]bool{}
		for _, st := range d.Stories {
			maps.Copy(digestKnown, inputIDs(storyURLs(st), title, tldr, point, affected, action, site, model, sourceURL, article))
		}
		idsIn(digestKnown, cve)
		for _, m := range DigestMessages(d) {
			if err := checkMessage(m); err != nil {
				t.Fatal(err)
			}
			if err := checkNoNewIDs(messageText(m), digestKnown); err != nil {
				t.Fatal(err)
			}
		}
		if name := ThreadName(title); name == "" || utf8Len(name) > MaxThreadName || strings.ContainsRune(name, '\n') {
			t.Fatalf("ThreadName(%q) = %q", title, name)
		}
		answerKnown := inputIDs(URLsFrom(article), tldr)
		for _, part := range Answer(tldr, URLsFrom(article)) {
			if utf8Len(part) > MaxContent {
				t.Fatalf("answer part of %d runes", utf8Len(part))
			}
			if err := checkNoNewIDs(part, answerKnown); err != nil {
				t.Fatal(err)
			}
			if err := CheckTextSafe(part); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// fuzzIntel is intel on cve made from the numbers a, b and c: a CVSS
// score, KEV with or without ransomware use and dates, and an EPSS score,
// some of them out of range; nil for some inputs.
func fuzzIntel(cve string, a, b, c int) map[string]news.CVEIntel {
	if a%7 == 6 {
		return nil
	}
	id := strings.ToUpper(strings.TrimSpace(cve))
	in := news.CVEIntel{ID: id,
		CVSS: &news.CVSSScore{Score: float64(a%120) / 10, Severity: []string{"", "CRITICAL", "bogus <@1>", "none"}[b%4]},
		EPSS: &news.EPSSScore{Probability: float64(c%1100) / 1000, Percentile: float64(b%1100) / 1000},
	}
	if b%3 != 0 {
		in.KEV = &news.KEVEntry{Ransomware: c%2 == 0, DateAdded: time.Unix(int64(a)*86400*97, 0)}
		if c%5 != 0 {
			in.KEV.DueDate = in.KEV.DateAdded.AddDate(0, 0, 21)
		}
	}
	return map[string]news.CVEIntel{id: in}
}

func BenchmarkSummary(b *testing.B) {
	s := sampleSummary()
	b.ReportAllocs()
	for b.Loop() {
		Summary(s, sampleArticle, nil)
	}
}

// checkMessage is CheckLimits and CheckSafe together.
func checkMessage(msg *discordgo.MessageSend) error {
	if err := CheckLimits(msg); err != nil {
		return err
	}
	return CheckSafe(msg)
}

// fieldValue is the value of e's field called name, or "".
func fieldValue(e *discordgo.MessageEmbed, name string) string {
	for _, f := range e.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// embedText is all text of e, one piece a line.
func embedText(e *discordgo.MessageEmbed) string {
	parts := []string{e.Title, e.Description}
	if e.Footer != nil {
		parts = append(parts, e.Footer.Text)
	}
	for _, f := range e.Fields {
		parts = append(parts, f.Name, f.Value)
	}
	return strings.Join(parts, "\n")
}

func utf8Len(s string) int { return runeLen(s) }

// checkURLs reports a URL in text that allowed refuses, other than NVD links
// and URLs cut by Truncate.
func checkURLs(text string, allowed func(string) bool) error {
	for _, m := range bareURL.FindAllString(strings.ReplaceAll(text, zwsp, ""), -1) {
		u, _ := trimURL(m)
		if !allowed(u) && !strings.HasPrefix(u, "https://nvd.nist.gov/vuln/detail/CVE-") && !strings.HasSuffix(u, Ellipsis) {
			return fmt.Errorf("URL %q not in the article survived", u)
		}
	}
	return nil
}
