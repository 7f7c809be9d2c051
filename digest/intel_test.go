package digest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

// fakeIntel answers Lookup from a map and records the ids asked.
type fakeIntel struct {
	mu    sync.Mutex
	known map[string]news.CVEIntel
	asked [][]string
	err   error
}

func (f *fakeIntel) Lookup(_ context.Context, ids ...string) (map[string]news.CVEIntel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, slices.Clone(ids))
	if f.err != nil {
		return nil, f.err
	}
	out := map[string]news.CVEIntel{}
	for _, id := range ids {
		if in, ok := f.known[id]; ok {
			out[id] = in
		}
	}
	return out, nil
}

var _ Intel = (*fakeIntel)(nil)

// Intel of the kinds ranking tells apart, by CVE id.
func rankingIntel() map[string]news.CVEIntel {
	in := func(id string, f func(*news.CVEIntel)) news.CVEIntel {
		c := news.CVEIntel{ID: id}
		f(&c)
		return c
	}
	list := []news.CVEIntel{
		in("CVE-2026-1001", func(c *news.CVEIntel) {
			c.KEV = &news.KEVEntry{CVEID: c.ID, Ransomware: true, ShortDescription: strings.Repeat("long text ", 100)}
			c.EPSS = &news.EPSSScore{Probability: 0.02}
		}),
		in("CVE-2026-1002", func(c *news.CVEIntel) {
			c.KEV = &news.KEVEntry{CVEID: c.ID}
			c.EPSS = &news.EPSSScore{Probability: 0.5}
		}),
		in("CVE-2026-1003", func(c *news.CVEIntel) {
			c.KEV = &news.KEVEntry{CVEID: c.ID}
			c.EPSS = &news.EPSSScore{Probability: 0.3}
		}),
		in("CVE-2026-1004", func(c *news.CVEIntel) {
			c.EPSS = &news.EPSSScore{Probability: 0.4}
			c.CVSS = &news.CVSSScore{Score: 5}
			c.Record = &news.CVERecord{Found: true, Description: strings.Repeat("long text ", 100)}
		}),
		in("CVE-2026-1005", func(c *news.CVEIntel) { c.EPSS = &news.EPSSScore{Probability: highEPSS} }),
		in("CVE-2026-1006", func(c *news.CVEIntel) {
			c.CVSS = &news.CVSSScore{Score: 10}
			c.EPSS = &news.EPSSScore{Probability: 0.09}
		}),
		in("CVE-2026-1007", func(c *news.CVEIntel) { c.CVSS = &news.CVSSScore{Score: 9.0} }),
		in("CVE-2026-1008", func(c *news.CVEIntel) {
			c.CVSS = &news.CVSSScore{Score: 8.9}
			c.EPSS = &news.EPSSScore{Probability: 0.09}
		}),
	}
	m := map[string]news.CVEIntel{}
	for _, c := range list {
		m[c.ID] = c
	}
	return m
}

func TestRankByIntel(t *testing.T) {
	intel := rankingIntel()
	at := time.Date(2026, 7, 5, 0, 0, 0, 0, time.UTC)
	story := func(name string, sev news.Severity, outlets int, cves ...string) news.Story {
		s := news.Story{Lead: news.Item{Title: name, FeedURL: "f0", Published: at}, CVEs: cves}
		for i := 1; i < outlets; i++ {
			s.Others = append(s.Others, news.Item{FeedURL: fmt.Sprintf("f%d", i), Published: at})
		}
		if sev != "" {
			s.Summary = &news.Summary{Severity: sev}
		}
		for _, id := range cves {
			if in, ok := intel[id]; ok {
				if s.Intel == nil {
					s.Intel = map[string]news.CVEIntel{}
				}
				s.Intel[id] = in
			}
		}
		return s
	}
	stories := []news.Story{
		story("critical-5-outlets", news.SeverityCritical, 5),
		story("cvss-8.9-medium", news.SeverityMedium, 1, "CVE-2026-1008"),
		story("cvss-9.0", news.SeverityLow, 1, "CVE-2026-1007"),
		story("epss-0.1", news.SeverityInfo, 1, "CVE-2026-1005"),
		story("kev-epss-0.3", news.SeverityLow, 1, "CVE-2026-1003"),
		story("unknown-cve-high", news.SeverityHigh, 1, "CVE-2026-9999"),
		story("cvss-10", "", 1, "CVE-2026-1006"),
		story("kev-ransomware", news.SeverityInfo, 1, "CVE-2026-1001"),
		story("epss-0.4", news.SeverityLow, 1, "CVE-2026-1004"),
		story("kev-epss-0.5-and-cvss-10", news.SeverityLow, 1, "CVE-2026-1006", "CVE-2026-1002"),
		story("unsummarized", "", 3),
	}
	byIntel := []string{
		"kev-ransomware",                           // KEV, ransomware use
		"kev-epss-0.5-and-cvss-10", "kev-epss-0.3", // KEV, by EPSS
		"epss-0.4", "epss-0.1", // EPSS >= 10%
		"cvss-10", "cvss-9.0", // CVSS >= 9
	}
	tests := []struct {
		name string
		sort func([]news.Story)
		// rest is the order of the stories intel does not rank: by
		// today's signals.
		rest []string
	}{
		// By severity (CVSS 8.9 raises nothing), unknown severity mid-table.
		{"Rank", Rank, []string{"critical-5-outlets", "unknown-cve-high", "cvss-8.9-medium", "unsummarized"}},
		// By outlets, naming a CVE and stated severity, where a known CVSS
		// 8.9 counts as a stated high.
		{"PreRank", func(s []news.Story) { PreRank(s, at, 24*time.Hour) },
			[]string{"critical-5-outlets", "cvss-8.9-medium", "unsummarized", "unknown-cve-high"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := slices.Clone(stories)
			tt.sort(s)
			var got []string
			for _, st := range s {
				got = append(got, st.Lead.Title)
			}
			if want := slices.Concat(byIntel, tt.rest); !slices.Equal(got, want) {
				t.Errorf("order\n got %q\nwant %q", got, want)
			}
		})
	}
}

func TestPreScoreCountsCVSSAsStated(t *testing.T) {
	now := time.Date(2026, 7, 5, 6, 0, 0, 0, time.UTC)
	lone := news.Story{Lead: news.Item{Title: "Lone", FeedURL: "a", Published: now.Add(-24 * time.Hour)}, CVEs: []string{"CVE-2026-1008"}}
	if got := preScore(lone, rankIntel(lone), now, 24*time.Hour); got != cveWeight {
		t.Fatalf("without intel: %v, want %v", got, cveWeight)
	}
	lone.Intel = map[string]news.CVEIntel{"CVE-2026-1008": rankingIntel()["CVE-2026-1008"]}
	if got, want := preScore(lone, rankIntel(lone), now, 24*time.Hour), cveWeight+statedWeight[news.SeverityHigh]; got != want {
		t.Errorf("CVSS 8.9 known: %v, want %v (stated high)", got, want)
	}
	lone.Lead.Content = "Severity: Critical"
	if got, want := preScore(lone, rankIntel(lone), now, 24*time.Hour), cveWeight+statedWeight[news.SeverityCritical]; got != want {
		t.Errorf("CVSS 8.9 and a stated critical: %v, want %v", got, want)
	}
}

// TestDigestRanksAndSummarizesByIntel: under the summary cap, the stories
// whose CVEs intel knows are the ones summarized, ahead of stories today's
// signals rate higher, and they are ranked KEV with ransomware use, KEV,
// high EPSS, critical CVSS. Their intel is recorded with the digest,
// without the CVE record's and KEV's texts.
func TestDigestRanksAndSummarizesByIntel(t *testing.T) {
	e := newEnv(t)
	// Ten decoys that today's pre-rank puts first: a stated critical
	// severity, and a summary rated critical (the fake summarizer rates a
	// title with "critical" so).
	e.addItems(t, "feed-a", 10, func(i int) string { return fmt.Sprintf("Severity: Critical flaw in product %s", distinct(i)) })
	// Intel stories, newest last, so recency alone would rank them last.
	titles := map[string]string{
		"CVE-2026-1007": "Widget bug CVE-2026-1007 fixed",      // CVSS 9.0
		"CVE-2026-1001": "Gadget bug CVE-2026-1001 fixed",      // KEV with ransomware use
		"CVE-2026-1004": "Sprocket bug CVE-2026-1004 fixed",    // EPSS 0.4
		"CVE-2026-1003": "Doohickey bug CVE-2026-1003 fixed",   // KEV
		"CVE-2026-9999": "Thingamajig bug CVE-2026-9999 fixed", // unknown
	}
	order := []string{"CVE-2026-1007", "CVE-2026-1001", "CVE-2026-1004", "CVE-2026-1003", "CVE-2026-9999"}
	e.clock.Advance(-time.Hour)
	e.addItems(t, "feed-b", len(order), func(i int) string { return titles[order[i]] })
	e.clock.Advance(time.Hour)

	fi := &fakeIntel{known: rankingIntel()}
	const maxItems = 1
	r := e.runner(Config{MaxItems: maxItems, Intel: fi})
	res, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil {
		t.Fatal(err)
	}
	d := res.Digest
	if calls := e.sum.Calls(); calls != maxItems+summaryMargin {
		t.Fatalf("%d LLM calls, want %d", calls, maxItems+summaryMargin)
	}
	for _, s := range e.sum.cache {
		if !strings.Contains(s.Title, "bug CVE-2026-100") {
			t.Errorf("summarized %q, want only the stories intel knows", s.Title)
		}
	}
	var got []string
	for _, s := range append(slices.Clone(d.Stories), d.Headlines[:summaryMargin]...) {
		got = append(got, s.Lead.Title)
	}
	want := []string{titles["CVE-2026-1001"], titles["CVE-2026-1003"], titles["CVE-2026-1004"], titles["CVE-2026-1007"]}
	if !slices.Equal(got, want) {
		t.Fatalf("shown story and demoted headlines\n got %q\nwant %q", got, want)
	}
	top := d.Stories[0]
	in, ok := top.Intel["CVE-2026-1001"]
	if !ok || !in.Ransomware() || in.KEV.ShortDescription != "" || in.Record != nil || in.EPSS == nil {
		t.Errorf("top story's intel %+v (KEV %+v): want KEV with ransomware and EPSS, without texts", in, in.KEV)
	}
	for _, h := range d.Headlines {
		if h.Intel != nil {
			t.Errorf("headline %q carries intel", h.Lead.Title)
		}
	}
	// The recorded digest carries the intel, so a resumed post renders the
	// same badges.
	run, err := e.store.DigestBySlot(context.Background(), channel, "now:"+e.clock.Now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := run.Digest.Stories[0].Intel["CVE-2026-1001"]; !ok {
		t.Errorf("recorded digest lost the intel: %+v", run.Digest.Stories[0])
	}
	// One lookup before summarizing asks every id; the one after asks only
	// new ones (none here).
	if len(fi.asked) != 1 || len(fi.asked[0]) != len(order) {
		t.Errorf("lookups %q, want one of the %d ids", fi.asked, len(order))
	}
}

// TestDigestIntelLookupFails: a failing intel source leaves the digest as
// it would be without one.
func TestDigestIntelLookupFails(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 3, func(i int) string { return fmt.Sprintf("%s CVE-2026-100%d", distinct(i), i+1) })
	r := e.runner(Config{Intel: &fakeIntel{err: errors.New("store down")}})
	res, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Digest.Stories) != 3 {
		t.Fatalf("%d stories, want 3", len(res.Digest.Stories))
	}
	for _, s := range res.Digest.Stories {
		if s.Intel != nil || s.Summary == nil {
			t.Errorf("story %q: intel %v, summary %v", s.Lead.Title, s.Intel, s.Summary != nil)
		}
	}
}

// TestDigestLooksUpSummaryCVEs: ids that only the summaries name are
// looked up after summarizing, and raise the story's rank.
func TestDigestLooksUpSummaryCVEs(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 3, distinct)
	e.sum.cves = map[string][]string{distinct(2): {"cve-2026-1002"}}
	fi := &fakeIntel{known: rankingIntel()}
	r := e.runner(Config{Intel: fi})
	res, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil {
		t.Fatal(err)
	}
	top := res.Digest.Stories[0]
	if top.Lead.Title != distinct(2) || top.Intel["CVE-2026-1002"].KEV == nil {
		t.Errorf("top story %q with intel %v, want %q with KEV", top.Lead.Title, top.Intel, distinct(2))
	}
	if sev, raise := top.EffectiveSeverity(); sev != news.SeverityCritical || raise == nil {
		t.Errorf("top story's severity %q, raise %v: want raised to critical", sev, raise)
	}
	if len(fi.asked) != 1 || !slices.Equal(fi.asked[0], []string{"CVE-2026-1002"}) {
		t.Errorf("lookups %q, want one after summarizing, of the summary's id", fi.asked)
	}
}
