package digest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

// groupA is the 2025-07-24 snapshot set of SOURCES.md group A.
var groupA = []string{"bleepingcomputer-2025-07-24.xml", "securityweek-2025-07-24.xml", "databreaches-2025-07-25.xml",
	"microsoft-security-2025-07-24.xml", "cisa-advisories-2025-07-21.xml", "crowdstrike-2025-07-24.xml"}

// groupB is the 2026-07 snapshot set (group B).
var groupB = []string{"krebsonsecurity-2026-07-04.xml", "bleepingcomputer-2026-07-05.xml",
	"thehackernews-2026-07-05.xml", "darkreading-2026-07-03.xml"}

// storyOf returns the story whose items include a title starting with prefix.
func storyOf(t *testing.T, stories []news.Story, prefix string) news.Story {
	t.Helper()
	for _, s := range stories {
		for _, it := range append([]news.Item{s.Lead}, s.Others...) {
			if strings.HasPrefix(it.Title, prefix) {
				return s
			}
		}
	}
	t.Fatalf("no story with an item titled %q", prefix)
	return news.Story{}
}

func together(s news.Story, prefix string) bool {
	for _, it := range append([]news.Item{s.Lead}, s.Others...) {
		if strings.HasPrefix(it.Title, prefix) {
			return true
		}
	}
	return false
}

func TestClusterCorpus(t *testing.T) {
	a := Cluster(corpusItems(t, groupA...), DefaultWindow)
	b := Cluster(corpusItems(t, groupB...), DefaultWindow)
	tests := []struct {
		name    string
		stories []news.Story
		items   []string // title prefixes
		same    bool
	}{
		{"Clorox sues Cognizant, three outlets", a, []string{"Hackers fooled Cognizant", "Clorox Sues Cognizant", "Clorox Files $380M"}, true},
		{"SonicWall SMA 100, two outlets", a, []string{"SonicWall urges admins", "SonicWall Patches Critical SMA 100"}, true},
		{"near miss: Toptal npm vs NPM phishing", a, []string{"Hackers breach Toptal", "High-Value NPM Developers"}, false},
		{"near miss: CrowdStrike npm vs Toptal", a, []string{"CrowdStrike Falcon Prevents Supply Chain", "Hackers breach Toptal"}, false},
		{"vendor name: two Microsoft posts", a, []string{"Microsoft Sentinel data lake", "Disrupting active exploitation"}, false},
		{"vendor name: Microsoft Forrester vs Gartner", a, []string{"Microsoft is named a Leader", "\u200b\u200bForrester names Microsoft"}, false},
		{"vendor name: two GigaOm radars", a, []string{"CrowdStrike Named a Leader and Fast Mover", "CrowdStrike Named a Leader in the 2025 GigaOm SIEM"}, false},
		{"one series, two advisories", a, []string{"#StopRansomware: Medusa", "#StopRansomware: Ghost"}, false},
		{"Popa botnet two weeks apart", b, []string{"FBI Seizes NetNut", "\u2018Popa\u2019 Botnet"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := storyOf(t, tc.stories, tc.items[0])
			for _, other := range tc.items[1:] {
				storyOf(t, tc.stories, other) // the item exists
				if got := together(s, other); got != tc.same {
					t.Errorf("%q with %q: together=%v, want %v", tc.items[0], other, got, tc.same)
				}
			}
		})
	}
	// Reported, not required (see the package report): SharePoint across
	// five outlets and NetNut across two stay separate with this method.
	sp := storyOf(t, a, "Disrupting active exploitation")
	if !slices.Contains(sp.CVEs, "CVE-2025-53770") || sp.Lead.FeedTitle != "Microsoft Security Blog" {
		t.Errorf("SharePoint story lead %q CVEs %v, want Microsoft's full text with CVE-2025-53770", sp.Lead.FeedTitle, sp.CVEs)
	}
}

func TestClusterConstructed(t *testing.T) {
	all := corpusItems(t, groupA...)
	find := func(prefix string) news.Item {
		for _, it := range all {
			if strings.HasPrefix(it.Title, prefix) {
				return it
			}
		}
		t.Fatalf("no item %q", prefix)
		return news.Item{}
	}
	ms := find("Disrupting active exploitation")
	bc := find("Microsoft: SharePoint flaws exploited")
	bcCVE := bc
	bcCVE.Content += " Microsoft assigned CVE-2025-53770 to the flaw."
	sameTitle := find("Mitel warns of critical")
	sameTitle.FeedURL, sameTitle.ID, sameTitle.FeedTitle = "https://other.example/feed", "other-1", "Other Outlet"
	sameTitle.Content = "A short teaser."
	late := bcCVE
	late.Published = ms.Published.Add(10 * 24 * time.Hour)

	tests := []struct {
		name  string
		items []news.Item
		want  int // stories
	}{
		{"same CVE, different titles", []news.Item{ms, bcCVE}, 1},
		{"same story without a shared CVE or similar title", []news.Item{ms, bc}, 2},
		{"same title, different outlets", []news.Item{find("Mitel warns of critical"), sameTitle}, 1},
		{"same CVE outside the window", []news.Item{ms, late}, 2},
		{"unrelated Microsoft items", []news.Item{ms, find("Microsoft Sentinel data lake"), find("Enhancing Microsoft 365 security")}, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Cluster(tc.items, DefaultWindow)
			if len(got) != tc.want {
				t.Fatalf("%d stories, want %d", len(got), tc.want)
			}
			if tc.want == 1 {
				if got[0].Outlets() != 2 || len(got[0].Others) != 1 {
					t.Fatalf("outlets %d, want 2", got[0].Outlets())
				}
				if got[0].Lead.Content == "A short teaser." {
					t.Fatal("the teaser was made the lead over the fuller item")
				}
			}
		})
	}
}

func TestCVEs(t *testing.T) {
	got := CVEs("cve-2025-53770 and CVE-2025-53770, CVE-2024-12345678", "not CVE-25-1 nor CVE-2025-123")
	if want := []string{"CVE-2024-12345678", "CVE-2025-53770"}; !slices.Equal(got, want) {
		t.Fatalf("CVEs = %v, want %v", got, want)
	}
}

func TestTokens(t *testing.T) {
	got := tokens("Clorox Sues Cognizant for $380M; exploited the exploits")
	want := []string{"clorox", "sues", "cognizant", "380", "million", "exploit", "exploit"}
	if !slices.Equal(got, want) {
		t.Fatalf("tokens = %v, want %v", got, want)
	}
}

func BenchmarkCluster(b *testing.B) {
	items := corpusItems(b, append(append([]string{}, groupA...), groupB...)...)
	b.ResetTimer()
	for b.Loop() {
		Cluster(items, DefaultWindow)
	}
}

func TestMergeByCVE(t *testing.T) {
	at := time.Date(2026, 7, 5, 0, 0, 0, 0, time.UTC)
	roundup := make([]string, roundupCVEs+1)
	for i := range roundup {
		roundup[i] = fmt.Sprintf("CVE-2025-%04d", 1000+i)
	}
	st := func(id string, when time.Time, sum bool, cves ...string) news.Story {
		s := news.Story{Lead: news.Item{ID: id, FeedURL: id, Published: when}, CVEs: cves}
		if sum {
			s.Summary = &news.Summary{Title: id}
		}
		return s
	}
	tests := []struct {
		name    string
		stories []news.Story
		want    [][]string // item ids per story, lead first
	}{
		{"shared CVE, summarized lead kept", []news.Story{st("a", at, false, "CVE-2025-0001"), st("b", at, true, "CVE-2025-0001", "CVE-2025-0002")},
			[][]string{{"b", "a"}}},
		{"no shared CVE", []news.Story{st("a", at, true, "CVE-2025-0001"), st("b", at, true, "CVE-2025-0002")},
			[][]string{{"a"}, {"b"}}},
		{"roundup does not link", []news.Story{st("a", at, true, roundup...), st("b", at, true, roundup[0])},
			[][]string{{"a"}, {"b"}}},
		{"outside window", []news.Story{st("a", at, true, "CVE-2025-0001"), st("b", at.Add(4*24*time.Hour), true, "CVE-2025-0001")},
			[][]string{{"a"}, {"b"}}},
		{"transitive", []news.Story{st("a", at, true, "CVE-2025-0001"), st("c", at, true), st("b", at, true, "CVE-2025-0001", "CVE-2025-0002"), st("d", at, false, "CVE-2025-0002")},
			[][]string{{"a", "b", "d"}, {"c"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := MergeByCVE(tc.stories, DefaultWindow)
			var ids [][]string
			for _, s := range got {
				row := []string{s.Lead.ID}
				for _, o := range s.Others {
					row = append(row, o.ID)
				}
				ids = append(ids, row)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tc.want) {
				t.Fatalf("stories %v, want %v", ids, tc.want)
			}
		})
	}
}
