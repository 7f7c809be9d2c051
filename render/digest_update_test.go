package render

import (
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

// updateDigest has a new story, an update of a story first posted two
// days earlier (its new outlet only) and an update listed by headline.
func updateDigest() news.Digest {
	d := sampleDigest()
	first := d.At.Add(-48 * time.Hour)
	s := sampleSummary()
	update := news.Story{
		Lead: news.Item{ID: "u", FeedURL: "https://late.example/rss", FeedTitle: "Late Outlet",
			Title: "Acme VPN flaw now exploited in the wild", Link: "https://late.example/acme-exploited",
			Content: "Attackers are exploiting the Acme VPN flaw.", Published: d.At.Add(-time.Hour)},
		CVEs: []string{"CVE-2025-12345", "CVE-2025-12346"}, Summary: &s, Update: true, FirstPosted: first,
	}
	d.Stories = []news.Story{update, d.Stories[1]}
	d.More = 0
	d.Headlines = []news.Story{{Lead: news.Item{ID: "h", FeedURL: "https://late.example/rss", FeedTitle: "Late Outlet",
		Title: "Widget leak patched", Link: "https://late.example/widget"}, Update: true, FirstPosted: first}}
	return d
}

func TestDigestUpdateGolden(t *testing.T) {
	goldenJSON(t, "digest_update.json.golden", DigestMessages(updateDigest()))
	golden(t, "digest_update.md.golden", []byte(DigestMarkdown(updateDigest())))
}

func TestDigestUpdateMarked(t *testing.T) {
	d := updateDigest()
	msgs := DigestMessages(d)
	if !strings.Contains(msgs[0].Content, "2 stories, most severe first. 1 critical · 1 update") {
		t.Errorf("header %q does not count the update", msgs[0].Content)
	}
	e := msgs[1].Embeds[0]
	if !strings.HasPrefix(e.Title, UpdateMarker+"Acme VPN flaw") ||
		!strings.HasPrefix(e.Description, "*Update to a story first posted 13 Jan 2025: new coverage only.*") {
		t.Errorf("update embed title %q description %q", e.Title, e.Description)
	}
	if fieldValue(e, "Also covered by") != "" || e.URL != "https://late.example/acme-exploited" {
		t.Errorf("update embed links %q and %q, want the new link only", e.URL, fieldValue(e, "Also covered by"))
	}
	if n := msgs[1].Embeds[1]; strings.HasPrefix(n.Title, UpdateMarker) || strings.Contains(n.Description, "Update to") {
		t.Errorf("new story marked as an update: %q", n.Title)
	}
	if list := msgs[2].Embeds[0].Description; !strings.HasPrefix(list, "• "+UpdateMarker+"Widget leak patched") {
		t.Errorf("headline list %q does not mark the update", list)
	}
	for i, m := range msgs {
		if err := checkMessage(m); err != nil {
			t.Errorf("message %d: %v", i, err)
		}
	}
	md := DigestMarkdown(d)
	for _, want := range []string{"## 1. Update: [Acme VPN flaw now exploited in the wild](https://late.example/acme-exploited)",
		"*Update to a story first posted 13 Jan 2025: new coverage only.*", "- Update: Widget leak patched — Late Outlet"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "## 2. Update") {
		t.Errorf("markdown marks the new story as an update:\n%s", md)
	}
}
