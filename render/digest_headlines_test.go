package render

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/secbrief/secbrief/news"
)

// headlineDigest is sampleDigest with n stories listed by headline
// instead of a count of stories left out.
func headlineDigest(n int, hostile bool) news.Digest {
	d := sampleDigest()
	d.More = 0
	evil := ""
	if hostile {
		evil = " @everyone <@&123456> [win](https://evil.example) https://evil.example/x"
	}
	for i := range n {
		d.Headlines = append(d.Headlines, news.Story{Lead: news.Item{ID: fmt.Sprint("h", i),
			FeedURL: "https://feed.example/rss", FeedTitle: "Feed Outlet" + evil,
			Title: fmt.Sprintf("Headline %d about a breach%s", i, evil), Link: fmt.Sprintf("https://feed.example/%d", i),
			Published: d.At.Add(-time.Duration(i) * time.Minute)}})
	}
	return d
}

func TestDigestHeadlinesGolden(t *testing.T) {
	d := headlineDigest(3, false)
	d.Headlines[2].Lead.Link = "" // no link: the title and outlet alone
	d.Headlines[2].Lead.FeedTitle = ""
	goldenJSON(t, "digest_headlines.json.golden", DigestMessages(d))
	golden(t, "digest_headlines.md.golden", []byte(DigestMarkdown(d)))
}

// headlineEmbeds are the embeds of the messages after the stories' ones.
func headlineEmbeds(t *testing.T, msgs []*discordgo.MessageSend, stories int) []*discordgo.MessageEmbed {
	t.Helper()
	var out []*discordgo.MessageEmbed
	seen := 0
	for _, m := range msgs[1:] {
		for _, e := range m.Embeds {
			if seen < stories {
				seen++
				continue
			}
			out = append(out, e)
		}
	}
	return out
}

func TestDigestHeadlinesAllListed(t *testing.T) {
	d := headlineDigest(20, false)
	msgs := DigestMessages(d)
	if !strings.Contains(msgs[0].Content, "…and 20 more listed below.") {
		t.Errorf("header %q lacks the headline count", msgs[0].Content)
	}
	es := headlineEmbeds(t, msgs, len(d.Stories))
	if len(es) != 1 || es[0].Title != "…and 20 more:" {
		t.Fatalf("headline embeds %+v, want one titled \"…and 20 more:\"", es)
	}
	lines := strings.Split(es[0].Description, "\n")
	if len(lines) != 20 {
		t.Fatalf("%d headline lines, want 20", len(lines))
	}
	if want := "• Headline 0 about a breach — Feed Outlet: https://feed.example/0"; lines[0] != want {
		t.Errorf("first line %q, want %q", lines[0], want)
	}
	if strings.Contains(es[0].Description, "not shown") {
		t.Error("a list that fits says some are not shown")
	}
}

func TestDigestHugeHeadlineListHoldsLimits(t *testing.T) {
	for _, hostile := range []bool{false, true} {
		t.Run(fmt.Sprintf("hostile=%v", hostile), func(t *testing.T) {
			const n = 2000
			d := headlineDigest(n, hostile)
			msgs := DigestMessages(d)
			for i, m := range msgs {
				if err := checkMessage(m); err != nil {
					t.Errorf("message %d: %v", i, err)
				}
			}
			es := headlineEmbeds(t, msgs, len(d.Stories))
			if len(es) == 0 || len(es) > maxHeadlineMessages {
				t.Fatalf("%d headline messages, want 1 to %d", len(es), maxHeadlineMessages)
			}
			listed, notShownN := 0, 0
			for _, e := range es {
				for line := range strings.SplitSeq(e.Description, "\n") {
					if _, err := fmt.Sscanf(line, "…and %d more not shown.", &notShownN); err == nil {
						continue
					}
					if want := fmt.Sprintf("• Headline %d ", listed); !strings.HasPrefix(line, want) {
						t.Fatalf("line %q, want it to start %q (order kept, none skipped)", line, want)
					}
					if hostile && strings.Contains(line, "evil.example") {
						t.Errorf("line keeps a URL that is not the item's: %q", line)
					}
					listed++
				}
			}
			if listed < 50 || listed+notShownN != n {
				t.Errorf("%d listed and %d not shown, want them to add up to %d", listed, notShownN, n)
			}
			if es[0].Title != fmt.Sprintf("…and %d more:", n) {
				t.Errorf("title %q", es[0].Title)
			}
			md := DigestMarkdown(d)
			if got := strings.Count(md, "\n- Headline "); got != n {
				t.Errorf("terminal digest lists %d headlines, want all %d", got, n)
			}
		})
	}
}

func TestDigestLegacyMoreLine(t *testing.T) {
	d := sampleDigest() // recorded before headlines: only a count
	if msgs := DigestMessages(d); !strings.Contains(msgs[0].Content, "…and 3 more not shown.") || len(msgs) != 2 {
		t.Errorf("legacy digest: header %q, %d messages", msgs[0].Content, len(msgs))
	}
}

func FuzzDigestHeadlines(f *testing.F) {
	f.Add("@everyone [t](https://evil.example)", "https://news.example/a", "<@&1> Outlet", 300)
	f.Add("", "", "", 1)
	f.Add("]", "https://a.example/(x)", "[", 5)
	f.Add("a\u202e\u200b@\u2060here", "javascript:alert(1)", "\xff", 40)
	f.Fuzz(func(t *testing.T, title, link, outlet string, n int) {
		n = 1 + max(n, -n)%500
		d := news.Digest{At: time.Unix(0, 0)}
		for i := range n {
			d.Headlines = append(d.Headlines, news.Story{Lead: news.Item{Title: strings.Repeat(title, 1+i%7), Link: link, FeedTitle: outlet}})
		}
		msgs := DigestMessages(d)
		if len(msgs) > 1+maxHeadlineMessages {
			t.Fatalf("%d messages for %d headlines", len(msgs), n)
		}
		for i, m := range msgs {
			if err := checkMessage(m); err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
			for _, e := range m.Embeds {
				if err := checkURLs(embedText(e), URLsFrom("", link)); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}
