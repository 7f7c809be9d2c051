package digest

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

// FuzzCluster checks Cluster's invariants on arbitrary titles and texts:
// every item lands in exactly one story, a story's CVEs are the union of its
// items' CVEs, two items with one CVE (in a non-roundup text) share a story,
// identical titles share a story, an item more than the window away from
// all others is alone, and the stories do not depend on the items' order.
func FuzzCluster(f *testing.F) {
	f.Add("Clorox Sues Cognizant for $380M", "CVE-2025-53770 exploited", "SonicWall SMA 100", "patch now", int64(3600))
	f.Add("", "", "ü CVE-2024-0001 ÿ", "\\x00", int64(-1))
	f.Fuzz(func(t *testing.T, t1, c1, t2, c2 string, gap int64) {
		base := time.Date(2026, 7, 5, 0, 0, 0, 0, time.UTC)
		items := []news.Item{
			{ID: "1", FeedURL: "a", Title: t1, Content: c1, Published: base},
			{ID: "2", FeedURL: "b", Title: t2, Content: c2, Published: base.Add(time.Duration(gap%(10*86400)) * time.Second)},
			{ID: "3", FeedURL: "c", Title: t1, Content: c2, Published: base},
			{ID: "4", FeedURL: "d", Title: "unrelated " + t2, Content: "CVE-2001-0001", Published: base},
		}
		stories := Cluster(items, DefaultWindow)
		seen := map[string]int{}
		storyOf := map[string]int{}
		for i, s := range stories {
			var want []string
			for _, it := range append([]news.Item{s.Lead}, s.Others...) {
				seen[it.ID]++
				storyOf[it.ID] = i
				want = append(want, CVEs(it.Title, it.Content)...)
			}
			slices.Sort(want)
			if want = slices.Compact(want); !slices.Equal(s.CVEs, want) && !(len(want) == 0 && len(s.CVEs) == 0) {
				t.Fatalf("story CVEs %v, want %v", s.CVEs, want)
			}
		}
		for _, it := range items {
			if seen[it.ID] != 1 {
				t.Fatalf("item %s in %d stories", it.ID, seen[it.ID])
			}
		}
		if !near(items[0].Published, items[1].Published, DefaultWindow) {
			for id, st := range storyOf {
				if id != "2" && st == storyOf["2"] {
					t.Fatalf("item 2, %v from the others, is in the story of item %s", items[1].Published.Sub(base), id)
				}
			}
		}
		// The stories do not depend on the order items come in.
		reversed := slices.Clone(items)
		slices.Reverse(reversed)
		if a, b := partition(stories), partition(Cluster(reversed, DefaultWindow)); a != b {
			t.Fatalf("stories depend on item order: %s vs %s", a, b)
		}
		if len(tokens(t1)) > 0 && storyOf["1"] != storyOf["3"] {
			t.Fatalf("identical titles %q apart", t1)
		}
		c := CVEs(c1)
		if len(c) > 0 && len(c) <= roundupCVEs && slices.Contains(CVEs(c2), c[0]) && len(CVEs(c2)) <= roundupCVEs &&
			near(items[0].Published, items[1].Published, DefaultWindow) && storyOf["1"] != storyOf["2"] {
			t.Fatalf("items sharing %s apart", c[0])
		}
	})
}

// partition writes the stories' item ids as sorted sets, sorted.
func partition(stories []news.Story) string {
	var sets []string
	for _, s := range stories {
		ids := []string{s.Lead.ID}
		for _, o := range s.Others {
			ids = append(ids, o.ID)
		}
		slices.Sort(ids)
		sets = append(sets, strings.Join(ids, ","))
	}
	slices.Sort(sets)
	return strings.Join(sets, " ")
}

// cveReference is the regular expression CVEs must agree with.
var cveReference = regexp.MustCompile(`(?i)\bCVE-\d{4}-\d{4,}\b`)

// FuzzCVEs checks the hand-written CVE scanner against the regular
// expression it replaces (for speed on 100 KB advisories).
func FuzzCVEs(f *testing.F) {
	for _, s := range []string{"CVE-2025-53770", "cve-2024-1234567, CVE-2024-1234", "xCVE-2025-1234", "CVE-2025-1234x",
		"CVE-2025-123", "(CVE-2025-12345)", "CVE-202-12345", "_CVE-2025-1234", "CVE-2025-1234_", "é CVE-2025-0001é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want []string
		for _, m := range cveReference.FindAllString(s, -1) {
			want = append(want, strings.ToUpper(m))
		}
		slices.Sort(want)
		want = slices.Compact(want)
		if got := CVEs(s); !slices.Equal(got, want) && len(got)+len(want) > 0 {
			t.Fatalf("CVEs(%q) = %v, want %v", s, got, want)
		}
	})
}
