package digest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

// corpusItem finds the item of a corpus feed file whose title starts with
// prefix.
func corpusItem(t *testing.T, items []news.Item, file, prefix string) news.Item {
	t.Helper()
	for _, it := range items {
		if it.FeedURL == corpusFeedURL(file) && strings.HasPrefix(it.Title, prefix) {
			return it
		}
	}
	t.Fatalf("no item %q in %s", prefix, file)
	return news.Item{}
}

// storyIndex maps each item (feed and id) to the index of its story.
func storyIndex(stories []news.Story) map[string]int {
	m := map[string]int{}
	for i, s := range stories {
		for _, it := range append([]news.Item{s.Lead}, s.Others...) {
			m[corpusKey(it.FeedURL, it.ID)] = i
		}
	}
	return m
}

// ref names a corpus item: its feed file and the start of its title.
type ref struct{ file, title string }

const (
	bc25 = "bleepingcomputer-2025-07-24.xml"
	sw25 = "securityweek-2025-07-24.xml"
	db25 = "databreaches-2025-07-25.xml"
	ms25 = "microsoft-security-2025-07-24.xml"
	cs25 = "crowdstrike-2025-07-24.xml"
	bc26 = "bleepingcomputer-2026-07-05.xml"
	kr26 = "krebsonsecurity-2026-07-04.xml"
)

// TestClusterCorpusHardCases clusters all items of all corpus files in one
// run and checks the hard cases one by one: each group is one
// story, and the items of each "apart" list are all in different stories.
func TestClusterCorpusHardCases(t *testing.T) {
	items := corpusItems(t, corpusFiles(t)...)
	story := storyIndex(Cluster(items, DefaultWindow))
	of := func(r ref) int {
		return story[corpusKey(corpusFeedURL(r.file), corpusItem(t, items, r.file, r.title).ID)]
	}
	together := []struct {
		name  string
		items []ref
	}{
		{"ToolShell, five outlets, only Microsoft names the CVEs", []ref{{ms25, "Disrupting active exploitation"},
			{bc25, "Microsoft: SharePoint flaws exploited"}, {sw25, "ToolShell Attacks Hit"},
			{cs25, "CrowdStrike Detects and Blocks Initial SharePoint"}, {db25, "U.S. nuclear and health agencies"}}},
		{"Clorox sues Cognizant, three outlets worded differently", []ref{{bc25, "Hackers fooled Cognizant"},
			{sw25, "Clorox Sues Cognizant"}, {db25, "Clorox Files $380M"}}},
		{"SonicWall SMA 100, two outlets", []ref{{bc25, "SonicWall urges admins"}, {sw25, "SonicWall Patches Critical SMA 100"}}},
		{"NetNut takedown, two outlets", []ref{{kr26, "FBI Seizes NetNut"}, {bc26, "NetNut proxy network disrupted"}}},
		{"compromised npm packages, CrowdStrike and SecurityWeek", []ref{{cs25, "CrowdStrike Falcon Prevents Supply Chain"},
			{sw25, "High-Value NPM Developers"}}},
	}
	for _, tc := range together {
		t.Run(tc.name, func(t *testing.T) {
			want := of(tc.items[0])
			for _, r := range tc.items[1:] {
				if of(r) != want {
					t.Errorf("%s %q is not in the story of %q", r.file, r.title, tc.items[0].title)
				}
			}
		})
	}

	var cisa, jvnLG []ref
	for _, it := range items {
		switch {
		case it.FeedURL == corpusFeedURL("cisa-advisories-2025-07-21.xml"):
			cisa = append(cisa, ref{"cisa-advisories-2025-07-21.xml", it.Title})
		case it.FeedURL == corpusFeedURL("jvndb-2025-04-13.xml") && strings.Contains(it.Title, "LG Simple Editor"):
			jvnLG = append(jvnLG, ref{"jvndb-2025-04-13.xml", it.Title})
		}
	}
	if len(cisa) != 10 || len(jvnLG) != 3 {
		t.Fatalf("%d CISA advisories and %d JVN LG Simple Editor items, want 10 and 3", len(cisa), len(jvnLG))
	}
	apart := []struct {
		name  string
		items []ref
	}{
		{"Toptal's npm breach vs the npm phishing campaign", []ref{{bc25, "Hackers breach Toptal"}, {sw25, "High-Value NPM Developers"}}},
		{"Toptal's npm breach vs CrowdStrike's npm post", []ref{{bc25, "Hackers breach Toptal"}, {cs25, "CrowdStrike Falcon Prevents Supply Chain"}}},
		{"Microsoft's Gartner post vs CrowdStrike's", []ref{{ms25, "Microsoft is named a Leader in the 2025 Gartner"},
			{cs25, "CrowdStrike Named a Leader in 2025 Gartner"}}},
		{"the CISA advisories, #StopRansomware included", cisa},
		{"JVN's three LG Simple Editor vulnerabilities", jvnLG},
		{"Krebs' June Popa story vs the July NetNut takedown (7 days)", []ref{{kr26, "‘Popa’ Botnet"}, {kr26, "FBI Seizes NetNut"}}},
		{"Krebs' June Popa story vs BleepingComputer's takedown (7 days)", []ref{{kr26, "‘Popa’ Botnet"}, {bc26, "NetNut proxy network"}}},
		{"vendor name: two Microsoft posts", []ref{{ms25, "Microsoft Sentinel data lake"}, {ms25, "Disrupting active exploitation"}}},
		{"vendor name: two GigaOm radars", []ref{{cs25, "CrowdStrike Named a Leader and Fast Mover"}, {cs25, "CrowdStrike Named a Leader in the 2025 GigaOm SIEM"}}},
		{"OpenAI: two ChatGPT features and Altman on voice fraud", []ref{{bc25, "OpenAI confirms ChatGPT Agent"},
			{bc25, "ChatGPT is rolling out"}, {sw25, "OpenAI’s Sam Altman"}}},
		{"Endpoint in two vendors' product names", []ref{{cs25, "Stop Remote Ransomware Attacks with Falcon Endpoint"},
			{ms25, "Microsoft is named a Leader in the 2025 Gartner"}}},
	}
	for _, tc := range apart {
		t.Run("apart: "+tc.name, func(t *testing.T) {
			seen := map[int]ref{}
			for _, r := range tc.items {
				if other, ok := seen[of(r)]; ok {
					t.Errorf("%q and %q are one story", other.title, r.title)
				}
				seen[of(r)] = r
			}
		})
	}
}

func TestClusterConstructed(t *testing.T) {
	all := corpusItems(t, corpusFiles(t)...)
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
	kr, bcNetNut := find("FBI Seizes NetNut"), find("NetNut proxy network disrupted")
	bcNetNutLate := bcNetNut
	bcNetNutLate.Published = kr.Published.Add(DefaultWindow + time.Hour)
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
		{"same story by its names, no shared CVE", []news.Item{ms, bc}, 1},
		{"same names, no shared CVE", []news.Item{kr, bcNetNut}, 1},
		{"same names outside the window", []news.Item{kr, bcNetNutLate}, 2},
		{"same title, different outlets", []news.Item{find("Mitel warns of critical"), sameTitle}, 1},
		{"same CVE outside the window", []news.Item{ms, late}, 2},
		{"same GHSA id, nothing else shared", []news.Item{
			{ID: "g1", FeedURL: "https://a.example/feed", Title: "Widget library fixes path traversal", Content: "See GHSA-jfh8-c2jp-5v3q.", Published: ms.Published},
			{ID: "g2", FeedURL: "https://b.example/feed", Title: "Patch your builds now", Content: "The advisory ghsa-jfh8-c2jp-5v3q is out.", Published: ms.Published}}, 1},
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

func TestGHSAs(t *testing.T) {
	got := GHSAs("GHSA-jfh8-c2jp-5v3q and ghsa-JFH8-C2JP-5V3Q (again), xGHSA-jfh8-c2jp-5v3q",
		"GHSA-abcd-c2jp-5v3q has letters outside the alphabet, GHSA-jfh8-c2jp-5v3qx runs on, GHSA-2222-3333-4444.")
	if want := []string{"GHSA-2222-3333-4444", "GHSA-jfh8-c2jp-5v3q"}; !slices.Equal(got, want) {
		t.Fatalf("GHSAs = %v, want %v", got, want)
	}
}

func TestTokens(t *testing.T) {
	got := tokens("Clorox Sues Cognizant for $380M; exploited the exploits")
	want := []string{"clorox", "sues", "cognizant", "380", "million", "exploit", "exploit"}
	if !slices.Equal(got, want) {
		t.Fatalf("tokens = %v, want %v", got, want)
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
		{"outside window", []news.Story{st("a", at, true, "CVE-2025-0001"), st("b", at.Add(DefaultWindow+time.Hour), true, "CVE-2025-0001")},
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

// storyOf returns the story whose items include a title starting with prefix.
func storyOf(t *testing.T, stories []news.Story, prefix string) news.Story {
	t.Helper()
	for _, s := range stories {
		if together(s, prefix) {
			return s
		}
	}
	t.Fatalf("no story with an item titled %q", prefix)
	return news.Story{}
}

// together reports whether one of s's items has a title starting with prefix.
func together(s news.Story, prefix string) bool {
	for _, it := range append([]news.Item{s.Lead}, s.Others...) {
		if strings.HasPrefix(it.Title, prefix) {
			return true
		}
	}
	return false
}

// TestClusterRarityIsTheRunsOwn: how rare a name is, and so which items
// are one story, depends only on the items of the run (one channel's
// window): clustering another tenant's flood of SharePoint items in
// between changes nothing, and the same pair in a run where its shared
// name is everywhere is judged on that run alone.
func TestClusterRarityIsTheRunsOwn(t *testing.T) {
	all := corpusItems(t, corpusFiles(t)...)
	a := []news.Item{corpusItem(t, all, ms25, "Disrupting active exploitation"), corpusItem(t, all, cs25, "CrowdStrike Detects and Blocks"),
		corpusItem(t, all, bc25, "Hackers fooled Cognizant"), corpusItem(t, all, sw25, "Clorox Sues")}
	before := fmt.Sprint(storyIndex(Cluster(a, DefaultWindow)))
	var flood []news.Item
	for i := range 500 {
		flood = append(flood, news.Item{ID: fmt.Sprint(i), FeedURL: fmt.Sprintf("https://tenant-b/%d", i%20),
			Title: fmt.Sprintf("SharePoint story number %d", i), Content: "A SharePoint update.", Published: a[0].Published})
	}
	Cluster(flood, DefaultWindow)
	if after := fmt.Sprint(storyIndex(Cluster(a, DefaultWindow))); after != before {
		t.Fatalf("stories changed after another run: %s, then %s", before, after)
	}
	if got := len(Cluster(a, DefaultWindow)); got != 2 {
		t.Fatalf("%d stories, want 2 (SharePoint, Clorox)", got)
	}
	// In a run where SharePoint is in every other item it is no rare
	// name: the two items are no longer joined by it.
	mixed := append(slices.Clone(a[:2]), flood...)
	s := storyIndex(Cluster(mixed, DefaultWindow))
	if s[corpusKey(a[0].FeedURL, a[0].ID)] == s[corpusKey(a[1].FeedURL, a[1].ID)] {
		t.Fatal("a name common in the run still joined two items")
	}
}
