package digest

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/secbrief/secbrief/news"
)

// summarized is a story of one item with a summary naming affected.
func summarized(feed, title, content string, affected ...string) news.Story {
	it := news.Item{ID: feed + "#1", FeedURL: feed, Title: title, Content: content, Published: t0}
	return news.Story{Lead: it, CVEs: CVEs(title, content), Summary: &news.Summary{TLDR: "tldr", Affected: affected}}
}

func TestMergeByAffected(t *testing.T) {
	// Filler items make the run's names rare, as in a real window.
	var filler []news.Story
	for i := range 40 {
		filler = append(filler, summarized("filler", distinct(i), "Unrelated news about "+distinct(i)+"."))
	}
	cases := []struct {
		name string
		a, b news.Story
		join bool
	}{
		{"shared rare product", summarized("feed-a", "Federal agencies ordered to act within 48 hours",
			"The directive covers NetScaler ADC and NetScaler Gateway appliances exposed online.",
			"Citrix NetScaler ADC", "NetScaler Gateway"),
			summarized("feed-b", "Researchers publish a proof of concept for the memory leak",
				"The leak lets anyone read session tokens from NetScaler Gateway and NetScaler ADC devices.",
				"NetScaler ADC", "NetScaler Gateway"), true},
		{"one common vendor, different products", summarized("feed-a", "Attackers chain two flaws in remote access appliances",
			"Ivanti said its Connect Secure appliances were hit by a chained attack.", "Ivanti Connect Secure"),
			summarized("feed-b", "Mobile device manager bug lets attackers run code",
				"Ivanti patched EPMM, its mobile device manager, after a report.", "Ivanti EPMM"), false},
		{"big vendor only", summarized("feed-a", "Outlook outage hits users",
			"Microsoft said Outlook was down.", "Microsoft"),
			summarized("feed-b", "Teams adds new meeting controls", "Microsoft added Teams controls.", "Microsoft"), false},
		{"same product, different CVEs", summarized("feed-a", "Files can be overwritten on affected desktops",
			"CVE-2025-1111 affects the Simple Editor by LG.", "LG Simple Editor"),
			summarized("feed-b", "Path traversal reported by researchers", "CVE-2025-2222 affects the Simple Editor by LG.",
				"LG Simple Editor"), false},
		{"one outlet's two articles", summarized("feed-a", "Files can be overwritten on affected desktops",
			"A flaw affects the Simple Editor by LG.", "LG Simple Editor"),
			summarized("feed-a", "Path traversal reported by researchers", "Another flaw affects the Simple Editor by LG.",
				"LG Simple Editor"), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stories := append([]news.Story{tc.a, tc.b}, filler...)
			var items []news.Item
			for _, s := range stories {
				items = append(items, s.Lead)
			}
			c := link(items, DefaultWindow)
			if c.uf.find(0) == c.uf.find(1) {
				t.Fatal("the items cluster already; the case tests nothing")
			}
			got := mergeByAffected(stories, c.f, DefaultWindow)
			joined := len(got) == len(stories)-1 && got[0].Outlets() == 2
			if joined != tc.join || len(got) < len(stories)-1 {
				t.Fatalf("joined = %v (%d stories of %d), want %v", joined, len(got), len(stories), tc.join)
			}
		})
	}
}

func TestMergeByAffectedFarApartStaysApart(t *testing.T) {
	a := summarized("feed-a", "Federal agencies ordered to act", "NetScaler ADC appliances.", "NetScaler ADC")
	b := summarized("feed-b", "Proof of concept published", "NetScaler ADC devices leak.", "NetScaler ADC")
	b.Lead.Published = t0.Add(8 * 24 * time.Hour)
	c := link([]news.Item{a.Lead, b.Lead}, DefaultWindow)
	if got := mergeByAffected([]news.Story{a, b}, c.f, DefaultWindow); len(got) != 2 {
		t.Fatalf("stories 8 days apart joined: %d stories", len(got))
	}
}

// TestMergeByAffectedCorpus gives every corpus story a summary whose
// affected list is what its lead's title names with capitals (as an LLM
// names the products an article is about) and checks that joining by it
// adds no false merge to the golden pairs.
func TestMergeByAffectedCorpus(t *testing.T) {
	items := corpusItems(t, corpusFiles(t)...)
	golden := goldenStories(t)
	c := link(items, DefaultWindow)
	stories := c.stories()
	before := scorePairs(items, stories, golden)
	for i, s := range stories {
		var affected []string
		for k, w := range strings.Fields(s.Lead.Title) {
			if r := []rune(w); k > 0 && len(r) > 1 && unicode.IsUpper(r[0]) {
				affected = append(affected, strings.Trim(w, ",.:;!?\"'()"))
			}
		}
		stories[i].Summary = &news.Summary{TLDR: "tldr", Affected: affected}
	}
	merged := mergeByAffected(stories, c.f, DefaultWindow)
	after := scorePairs(items, merged, golden)
	t.Logf("stories %d → %d; false merges %d → %d, missed %d → %d", len(stories), len(merged), before.fp, after.fp, before.fn, after.fn)
	for _, p := range after.falseMerges {
		t.Logf("false merge: %s", p)
	}
	if after.fp > before.fp || after.precision() < 0.95 || after.recall() < before.recall() {
		t.Errorf("joining by affected: false merges %d → %d, precision %.3f, recall %.3f → %.3f",
			before.fp, after.fp, after.precision(), before.recall(), after.recall())
	}
}

func TestRunnerJoinsStoriesBySummariesAffected(t *testing.T) {
	e := newEnv(t)
	e.sum.affected = []string{"NetScaler ADC", "NetScaler Gateway"}
	e.addItem(t, guild, news.Item{ID: "a1", FeedURL: "feed-a", Title: "Federal agencies ordered to act within 48 hours",
		Link: "https://feed-a/1", Content: "The directive covers NetScaler ADC and NetScaler Gateway appliances exposed online."})
	e.addItem(t, guild, news.Item{ID: "b1", FeedURL: "feed-b", Title: "Researchers publish a proof of concept for the memory leak",
		Link: "https://feed-b/1", Content: "The leak lets anyone read session tokens from NetScaler Gateway and NetScaler ADC devices."})
	res, err := e.runner(Config{}).Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Digest.Stories) != 1 || res.Digest.Stories[0].Outlets() != 2 {
		t.Fatalf("stories = %+v, want one story of both outlets (their summaries name the same products)", res.Digest.Stories)
	}
}
