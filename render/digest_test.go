package render

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

func TestDigestMessagesGolden(t *testing.T) {
	goldenJSON(t, "digest_messages.json.golden", DigestMessages(sampleDigest()))
}

func TestDigestMarkdownGolden(t *testing.T) {
	golden(t, "digest.md.golden", []byte(DigestMarkdown(sampleDigest())))
}

func TestDigestMessages(t *testing.T) {
	msgs := DigestMessages(sampleDigest())
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want header and one of embeds", len(msgs))
	}
	header := msgs[0].Content
	for _, want := range []string{"Wednesday 15 January 2025", "3 stories", "1 critical · 1 low", "…and 3 more"} {
		if !strings.Contains(header, want) {
			t.Errorf("header %q lacks %q", header, want)
		}
	}
	embeds := msgs[1].Embeds
	if len(embeds) != 3 {
		t.Fatalf("%d embeds, want 3", len(embeds))
	}
	if e := embeds[0]; e.URL != "https://news.example/acme-vpn-flaw" || e.Color != ColorCritical ||
		!strings.Contains(fieldValue(e, "Also covered by"), "Other Outlet: https://other.example/2025/01/acme") ||
		!strings.Contains(fieldValue(e, "Also covered by"), "third.example: https://third.example/cve-2025-12345") {
		t.Errorf("summarized story embed wrong: %+v", e)
	}
	if e := embeds[1]; !strings.HasSuffix(e.Description, NotSummarized) || e.Color != ColorInfo ||
		!strings.HasPrefix(e.Description, "Thousands of routers still ship with default passwords.") {
		t.Errorf("unsummarized story: %q colour %#x", e.Description, e.Color)
	}
	for i, m := range msgs {
		if err := checkMessage(m); err != nil {
			t.Errorf("message %d: %v", i, err)
		}
	}
}

func TestDigestEmpty(t *testing.T) {
	msgs := DigestMessages(news.Digest{At: time.Date(2025, 1, 15, 8, 0, 0, 0, time.UTC)})
	if len(msgs) != 1 || !strings.Contains(msgs[0].Content, "No new stories.") {
		t.Fatalf("empty digest = %+v", msgs)
	}
	if err := checkMessage(msgs[0]); err != nil {
		t.Error(err)
	}
	if md := DigestMarkdown(news.Digest{}); !strings.Contains(md, "No new stories.") {
		t.Errorf("empty digest markdown: %q", md)
	}
}

// bigDigest has n stories with long summaries, several outlets and CVEs;
// hostile puts pings everywhere and URLs that no item has in the LLM's
// text and the feed titles.
func bigDigest(n int, hostile bool) news.Digest {
	at := time.Date(2025, 3, 30, 7, 0, 0, 0, time.UTC)
	d := news.Digest{At: at, More: 25}
	evil, pings := "", ""
	if hostile {
		pings = " @everyone <@&123456> "
		evil = pings + "[win](https://evil.example) https://evil.example/x "
	}
	for i := range n {
		s := sampleSummary()
		s.TLDR = strings.Repeat("A long TL;DR sentence about story "+fmt.Sprint(i)+"."+evil, 40)
		s.Title = fmt.Sprintf("Story %d%s", i, evil)
		st := news.Story{
			Lead: news.Item{Title: fmt.Sprintf("Story %d%s", i, evil), Link: fmt.Sprintf("https://news.example/%d", i),
				FeedTitle: "Example News" + evil, Content: strings.Repeat("Text"+pings+". ", 200), Published: at.Add(-time.Duration(i) * time.Minute)},
			CVEs: []string{fmt.Sprintf("CVE-2025-%05d", i), "CVE-2025-00001"},
		}
		for j := range 12 {
			st.Others = append(st.Others, news.Item{FeedTitle: fmt.Sprintf("Outlet %d%s", j, evil), Link: fmt.Sprintf("https://o%d.example/%d", j, i)})
		}
		if i%3 != 0 {
			st.Summary = &s
		}
		d.Stories = append(d.Stories, st)
	}
	return d
}

func TestDigestFortyStoriesHoldEveryLimit(t *testing.T) {
	for _, hostile := range []bool{false, true} {
		t.Run(fmt.Sprintf("hostile=%v", hostile), func(t *testing.T) {
			d := bigDigest(40, hostile)
			msgs := DigestMessages(d)
			var titles []string
			for i, m := range msgs {
				if err := checkMessage(m); err != nil {
					t.Errorf("message %d: %v", i, err)
				}
				for _, e := range m.Embeds {
					titles = append(titles, e.Title)
					if hostile && strings.Contains(embedText(e), "evil.example") {
						t.Errorf("message %d keeps a URL not in the story", i)
					}
				}
			}
			if len(titles) != 40 {
				t.Fatalf("%d story embeds, want 40", len(titles))
			}
			for i, title := range titles {
				if !strings.HasPrefix(title, fmt.Sprintf("Story %d", i)) {
					t.Errorf("embed %d is %q: order not kept", i, title)
				}
			}
			if min := 1 + (40+MaxEmbeds-1)/MaxEmbeds; len(msgs) < min {
				t.Errorf("%d messages, fewer than the %d the embed count needs", len(msgs), min)
			}
			if !strings.Contains(msgs[0].Content, "…and 25 more") {
				t.Errorf("header lacks the \"and N more\" line: %q", msgs[0].Content)
			}
		})
	}
}

func TestDigestPacksToTheEmbedTotal(t *testing.T) {
	msgs := DigestMessages(bigDigest(40, false))
	for i := 1; i < len(msgs)-1; i++ {
		total := 0
		for _, e := range msgs[i].Embeds {
			total += EmbedLength(e)
		}
		next := EmbedLength(msgs[i+1].Embeds[0])
		if len(msgs[i].Embeds) < MaxEmbeds && total+next <= MaxEmbedTotal {
			t.Errorf("message %d (%d embeds, %d runes) had room for the next embed (%d runes)", i, len(msgs[i].Embeds), total, next)
		}
	}
}

func TestFirstSentences(t *testing.T) {
	tests := []struct {
		name, in string
		limit    int
		want     string
	}{
		{"fits", "One. Two.", 20, "One. Two."},
		{"whole sentences", "One is here. Two is here. Three is here.", 26, "One is here. Two is here."},
		{"first too long is cut", "A very long first sentence here.", 12, "A very long…"},
		{"version numbers are not ends", "Fixed in 9.1.4 today. Next.", 22, "Fixed in 9.1.4 today."},
		{"newlines collapsed", "One.\n\nTwo.", 20, "One. Two."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := firstSentences(tt.in, tt.limit); got != tt.want {
				t.Errorf("firstSentences(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
			}
		})
	}
}

func TestDigestThreadName(t *testing.T) {
	if got, want := DigestThreadName(sampleDigest()), "Security digest Wednesday 15 January 2025"; got != want {
		t.Errorf("DigestThreadName = %q, want %q", got, want)
	}
}

func BenchmarkDigestMessages(b *testing.B) {
	d := bigDigest(40, true)
	b.ReportAllocs()
	for b.Loop() {
		DigestMessages(d)
	}
}
