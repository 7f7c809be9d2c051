package digest

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/secbrief/secbrief/news"
)

// goldenStories reads testdata/corpus_stories.golden: the corpus's
// multi-item stories, each a list of "file id" keys.
func goldenStories(t *testing.T) map[string][]string {
	t.Helper()
	f, err := os.Open("testdata/corpus_stories.golden")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	groups := map[string][]string{}
	name := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "# "):
		case strings.HasPrefix(line, "## "):
			name = strings.TrimPrefix(line, "## ")
		case name == "":
			t.Fatalf("golden line outside a group: %q", line)
		default:
			file, id, ok := strings.Cut(line, " ")
			if !ok {
				t.Fatalf("golden line %q: want \"<file> <id>\"", line)
			}
			groups[name] = append(groups[name], corpusKey(corpusFeedURL(file), id))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return groups
}

func corpusKey(feedURL, id string) string { return feedURL + " " + id }

// pairScore is the pairwise agreement of a clustering with the golden
// stories over n items.
type pairScore struct {
	tp, fp, fn          int
	falseMerges, missed []string
}

func (s pairScore) precision() float64 { return ratio(s.tp, s.tp+s.fp) }
func (s pairScore) recall() float64    { return ratio(s.tp, s.tp+s.fn) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// scorePairs compares every pair of items: together in stories vs
// together in golden.
func scorePairs(items []news.Item, stories []news.Story, golden map[string][]string) pairScore {
	story := map[string]int{}
	for i, s := range stories {
		for _, it := range append([]news.Item{s.Lead}, s.Others...) {
			story[corpusKey(it.FeedURL, it.ID)] = i
		}
	}
	group := map[string]string{}
	for name, keys := range golden {
		for _, k := range keys {
			group[k] = name
		}
	}
	var s pairScore
	for i := range items {
		for j := i + 1; j < len(items); j++ {
			a, b := corpusKey(items[i].FeedURL, items[i].ID), corpusKey(items[j].FeedURL, items[j].ID)
			got := story[a] == story[b]
			want := group[a] != "" && group[a] == group[b]
			pair := fmt.Sprintf("%q + %q", items[i].Title, items[j].Title)
			switch {
			case got && want:
				s.tp++
			case got:
				s.fp++
				s.falseMerges = append(s.falseMerges, pair)
			case want:
				s.fn++
				s.missed = append(s.missed, pair)
			}
		}
	}
	return s
}

// TestClusterCorpusGolden clusters every item of every corpus file in one
// run, as a digest whose window covers them all sees them, and scores the
// stories pair by pair against the golden stories.
func TestClusterCorpusGolden(t *testing.T) {
	items := corpusItems(t, corpusFiles(t)...)
	golden := goldenStories(t)
	known := map[string]bool{}
	for _, it := range items {
		known[corpusKey(it.FeedURL, it.ID)] = true
	}
	for name, keys := range golden {
		for _, k := range keys {
			if !known[k] {
				t.Fatalf("golden story %s: no corpus item %s", name, k)
			}
		}
	}
	stories := Cluster(items, DefaultWindow)
	s := scorePairs(items, stories, golden)
	t.Logf("%d items, %d stories; pairs: %d right, %d false merges, %d missed; precision %.3f recall %.3f",
		len(items), len(stories), s.tp, s.fp, s.fn, s.precision(), s.recall())
	for _, p := range s.falseMerges {
		t.Logf("false merge: %s", p)
	}
	for _, p := range s.missed {
		t.Logf("missed: %s", p)
	}
	for _, p := range link(items, DefaultWindow).unsure {
		t.Logf("unsure (for digest.llm_merge's judge): %q + %q (strength %.2f)", items[p.a].Title, items[p.b].Title, p.strength)
	}
	if s.precision() < 0.95 || s.recall() < 0.95 {
		t.Errorf("precision %.3f, recall %.3f; want both >= 0.95", s.precision(), s.recall())
	}
}
