package storage

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

var intelT0 = time.Date(2026, 9, 14, 6, 0, 0, 0, time.UTC)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func kevEntry(id, vendor, product string) news.KEVEntry {
	return news.KEVEntry{CVEID: id, VendorProject: vendor, Product: product,
		VulnerabilityName: vendor + " " + product + " flaw", DateAdded: day("2026-09-01"), DueDate: day("2026-09-22"),
		ShortDescription: "desc " + id, RequiredAction: "patch", Notes: "https://vendor.example/" + id}
}

func TestIntelSourceState(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		s := open(t)
		got, err := s.IntelSource(ctx, news.IntelKEV)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, news.SourceStatus{Source: news.IntelKEV}) {
			t.Errorf("never refreshed = %+v, want a zero state", got)
		}
		want := news.SourceStatus{Source: news.IntelNVD, CheckedAt: intelT0, RefreshedAt: intelT0.Add(-time.Hour),
			ETag: `"v1"`, LastModified: "Mon, 14 Sep 2026 05:00:00 GMT", ErrorKind: news.IntelErrHTTP, ErrorAt: intelT0}
		if err := s.SaveIntelSource(ctx, want); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.IntelSource(ctx, news.IntelNVD); !reflect.DeepEqual(got, want) {
			t.Errorf("IntelSource = %+v, want %+v", got, want)
		}
		want.ErrorKind, want.ErrorAt, want.RefreshedAt = "", time.Time{}, intelT0
		if err := s.SaveIntelSource(ctx, want); err != nil {
			t.Fatal(err)
		}
		all, err := s.IntelSources(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 1 || !reflect.DeepEqual(all[0], want) {
			t.Errorf("IntelSources = %+v, want [%+v]", all, want)
		}
		if err := s.SaveIntelSource(ctx, news.SourceStatus{}); err == nil {
			t.Error("a state without a source was saved")
		}
	})
}

func TestReplaceKEVBaselineThenAdditions(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		a := open(t, WithOwner("a"))
		b := a.withOwner("b")
		first := news.KEVCatalog{Version: "2026.09.13", Released: intelT0.Add(-20 * time.Hour), Entries: []news.KEVEntry{
			kevEntry("CVE-2026-0001", "Acme", "Gateway"), kevEntry("CVE-2026-0002", "Acme", "Router"),
			kevEntry("CVE-2026-0003", "Initech", "TPS"), kevEntry("CVE-2026-0001", "Acme", "Duplicate"),
		}}
		added, err := a.ReplaceKEV(ctx, first, news.SourceStatus{CheckedAt: intelT0, RefreshedAt: intelT0, ETag: `"a"`})
		if err != nil {
			t.Fatal(err)
		}
		if added != 0 {
			t.Errorf("first catalog added %d, want 0 (the baseline)", added)
		}
		if got, _ := a.KEVAdded(ctx, time.Time{}, 10); len(got) != 0 {
			t.Errorf("KEVAdded after the baseline = %v, want none", got)
		}
		st, _ := a.IntelSource(ctx, news.IntelKEV)
		if st.Entries != 3 || st.Version != "2026.09.13" || !st.DataDate.Equal(first.Released) || st.ETag != `"a"` {
			t.Errorf("state after the first catalog = %+v", st)
		}

		// A day later: 0002 is gone, 0003 changed, 0004 and 0005 are new.
		t1 := intelT0.Add(24 * time.Hour)
		changed := kevEntry("CVE-2026-0003", "Initech", "TPS")
		changed.Ransomware = true
		second := news.KEVCatalog{Version: "2026.09.14", Released: t1, Entries: []news.KEVEntry{
			kevEntry("CVE-2026-0001", "Acme", "Gateway"), changed,
			kevEntry("CVE-2026-0005", "Umbrella", "Hive"), kevEntry("CVE-2026-0004", "Globex", "Portal"),
		}}
		added, err = b.ReplaceKEV(ctx, second, news.SourceStatus{CheckedAt: t1, RefreshedAt: t1})
		if err != nil {
			t.Fatal(err)
		}
		if added != 2 {
			t.Errorf("second catalog added %d, want 2", added)
		}
		got, err := a.KEVAdded(ctx, intelT0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].CVEID != "CVE-2026-0004" || got[1].CVEID != "CVE-2026-0005" {
			t.Fatalf("KEVAdded = %+v, want 0004 and 0005", got)
		}
		want := kevEntry("CVE-2026-0004", "Globex", "Portal")
		want.FirstSeenAt = t1
		if !reflect.DeepEqual(got[0], want) {
			t.Errorf("added entry = %+v\nwant %+v", got[0], want)
		}
		if got, _ := a.KEVAdded(ctx, t1, 10); len(got) != 0 {
			t.Errorf("KEVAdded after the last addition = %v, want none", got)
		}
		// A limit never cuts one refresh's additions in two (they share
		// the FirstSeenAt an alerting job resumes after).
		if got, _ := a.KEVAdded(ctx, intelT0, 1); len(got) != 2 || got[1].CVEID != "CVE-2026-0005" {
			t.Errorf("KEVAdded limit 1 = %v, want both additions of the refresh", got)
		}
		t2 := t1.Add(time.Hour)
		third := second
		third.Entries = append(append([]news.KEVEntry{}, second.Entries...), kevEntry("CVE-2026-0006", "Hooli", "Nucleus"))
		if added, err := a.ReplaceKEV(ctx, third, news.SourceStatus{RefreshedAt: t2}); err != nil || added != 1 {
			t.Fatalf("third catalog: added %d, %v", added, err)
		}
		if got, _ := a.KEVAdded(ctx, intelT0, 2); len(got) != 2 || got[1].CVEID != "CVE-2026-0005" {
			t.Errorf("KEVAdded limit 2 = %v, want the first refresh's two only", got)
		}
		if got, _ := a.KEVAdded(ctx, t1, 10); len(got) != 1 || got[0].CVEID != "CVE-2026-0006" || !got[0].FirstSeenAt.Equal(t2) {
			t.Errorf("KEVAdded after the second refresh = %v", got)
		}

		// The same catalog again, from the other process: nothing new.
		if added, err := b.ReplaceKEV(ctx, third, news.SourceStatus{RefreshedAt: t2.Add(time.Hour)}); err != nil || added != 0 {
			t.Errorf("same catalog again: added %d, %v; want 0", added, err)
		}
		intel, err := a.CVEIntel(ctx, []string{"CVE-2026-0001", "CVE-2026-0002", "CVE-2026-0003"})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := intel["CVE-2026-0002"]; ok {
			t.Error("an entry the catalog dropped is still stored")
		}
		if k := intel["CVE-2026-0003"].KEV; k == nil || !k.Ransomware || !k.Baseline || !k.FirstSeenAt.Equal(intelT0) {
			t.Errorf("updated baseline entry = %+v: want ransomware, baseline, first seen at %s", k, intelT0)
		}
	})
}

// epssSet makes n invented scores.
func epssSet(n int, date time.Time, offset float64) news.EPSSSet {
	set := news.EPSSSet{ModelVersion: "v2025.03.14", ScoreDate: date, Scores: make([]news.EPSSScore, n)}
	for i := range n {
		set.Scores[i] = news.EPSSScore{CVEID: fmt.Sprintf("CVE-2020-%05d", i),
			Probability: float64(i%1000)/1000 + offset, Percentile: float64(i) / float64(n)}
	}
	return set
}

func TestReplaceEPSS(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		s := open(t)
		set := epssSet(2500, day("2026-09-13"), 0)
		set.Scores = append(set.Scores, news.EPSSScore{CVEID: "CVE-2020-00007", Probability: 0.5, Percentile: 0.5})
		n, err := s.ReplaceEPSS(ctx, set, news.SourceStatus{RefreshedAt: intelT0, ETag: `"e1"`})
		if err != nil {
			t.Fatal(err)
		}
		if n != 2500 {
			t.Errorf("stored %d scores, want 2500 (a repeated CVE keeps its last row)", n)
		}
		intel, err := s.CVEIntel(ctx, []string{"CVE-2020-00007", "CVE-2020-02499", "CVE-1999-0001"})
		if err != nil {
			t.Fatal(err)
		}
		want := news.EPSSScore{CVEID: "CVE-2020-00007", Probability: 0.5, Percentile: 0.5,
			ScoreDate: day("2026-09-13"), ModelVersion: "v2025.03.14"}
		if got := intel["CVE-2020-00007"].EPSS; got == nil || *got != want {
			t.Errorf("EPSS of 00007 = %+v, want %+v", got, want)
		}
		if got := intel["CVE-2020-02499"].EPSS; got == nil || got.Percentile != 2499.0/2500 {
			t.Errorf("EPSS of 02499 = %+v", got)
		}
		if _, ok := intel["CVE-1999-0001"]; ok {
			t.Error("an unscored CVE has intel")
		}

		// The next day's file replaces the previous one whole.
		next := epssSet(10, day("2026-09-14"), 0.0001)
		if n, err := s.ReplaceEPSS(ctx, next, news.SourceStatus{RefreshedAt: intelT0.Add(24 * time.Hour)}); err != nil || n != 10 {
			t.Fatalf("ReplaceEPSS next day = %d, %v", n, err)
		}
		intel, _ = s.CVEIntel(ctx, []string{"CVE-2020-00009", "CVE-2020-00010"})
		if got := intel["CVE-2020-00009"].EPSS; got == nil || got.Probability != next.Scores[9].Probability || !got.ScoreDate.Equal(day("2026-09-14")) {
			t.Errorf("EPSS of 00009 after the next day = %+v", got)
		}
		if _, ok := intel["CVE-2020-00010"]; ok {
			t.Error("a score of the previous day survived")
		}
		st, _ := s.IntelSource(ctx, news.IntelEPSS)
		if st.Entries != 10 || !st.DataDate.Equal(day("2026-09-14")) || st.Version != "v2025.03.14" || st.ETag != "" {
			t.Errorf("epss state = %+v", st)
		}
	})
}

func TestCVERecordsAndCVEIntel(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		s := open(t, WithClock(func() time.Time { return intelT0 }))
		rec := news.CVERecord{ID: "CVE-2026-0001", Found: true, Title: "Gateway RCE", Description: "It breaks.",
			AdvisoryURL: "https://vendor.example/adv", Source: news.SourceCNA, FetchedAt: intelT0.Add(-time.Hour),
			CVSS: &news.CVSSScore{Version: news.CVSSv31, Score: 9.8, Severity: "critical",
				Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Source: news.SourceCNA}}
		miss := news.CVERecord{ID: "CVE-2026-0404"}
		for _, r := range []news.CVERecord{rec, miss} {
			if err := s.SaveCVERecord(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.ReplaceKEV(ctx, news.KEVCatalog{Entries: []news.KEVEntry{kevEntry("CVE-2026-0001", "Acme", "Gateway")}},
			news.SourceStatus{RefreshedAt: intelT0}); err != nil {
			t.Fatal(err)
		}
		ids := []string{"CVE-2026-0001", "CVE-2026-0404", "CVE-2026-0001"}
		for i := range 700 { // more than one IN list
			ids = append(ids, fmt.Sprintf("CVE-2025-%04d", i))
		}
		intel, err := s.CVEIntel(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		if len(intel) != 2 {
			t.Errorf("CVEIntel has %d CVEs, want 2", len(intel))
		}
		got := intel["CVE-2026-0001"]
		if got.ID != "CVE-2026-0001" || got.KEV == nil || got.EPSS != nil || !reflect.DeepEqual(got.Record, &rec) ||
			!reflect.DeepEqual(got.CVSS, rec.CVSS) || !got.Known() {
			t.Errorf("CVEIntel[0001] = %+v (record %+v)", got, got.Record)
		}
		m := intel["CVE-2026-0404"]
		if m.Record == nil || m.Record.Found || m.CVSS != nil || !m.Record.FetchedAt.Equal(intelT0) || m.Known() {
			t.Errorf("cached miss = %+v (record %+v), want a record not found, fetched at the store's now", m, m.Record)
		}

		// A later lookup replaces the record: the CNA dropped its score.
		rec.CVSS, rec.FetchedAt, rec.Title = nil, intelT0, "Gateway RCE (updated)"
		if err := s.SaveCVERecord(ctx, rec); err != nil {
			t.Fatal(err)
		}
		intel, _ = s.CVEIntel(ctx, []string{"CVE-2026-0001"})
		if got := intel["CVE-2026-0001"]; got.CVSS != nil || got.Record.Title != rec.Title {
			t.Errorf("after the update = %+v (record %+v)", got, got.Record)
		}
		if got, err := s.CVEIntel(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("CVEIntel(nil) = %v, %v", got, err)
		}
	})
}

func TestKEVProducts(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		s := open(t)
		cat := news.KEVCatalog{Entries: []news.KEVEntry{
			kevEntry("CVE-1", "Microsoft", "SharePoint Server"), kevEntry("CVE-2", "Microsoft", "SharePoint Server"),
			kevEntry("CVE-3", "Microsoft", "Windows"), kevEntry("CVE-4", "Mozilla", "Firefox"),
			kevEntry("CVE-5", "Palo Alto Networks", "PAN-OS"), kevEntry("CVE-6", "100%Corp", "Widget_1"),
		}}
		if _, err := s.ReplaceKEV(ctx, cat, news.SourceStatus{RefreshedAt: intelT0}); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name, prefix string
			limit        int
			want         []news.KEVProduct
		}{
			{"vendor prefix, any case", "mi", 10, []news.KEVProduct{{Vendor: "Microsoft", Product: "SharePoint Server"}, {Vendor: "Microsoft", Product: "Windows"}}},
			{"product prefix", "fire", 10, []news.KEVProduct{{Vendor: "Mozilla", Product: "Firefox"}}},
			{"word of a product", "server", 10, []news.KEVProduct{{Vendor: "Microsoft", Product: "SharePoint Server"}}},
			{"limit", "m", 2, []news.KEVProduct{{Vendor: "Microsoft", Product: "SharePoint Server"}, {Vendor: "Microsoft", Product: "Windows"}}},
			{"wildcards are literal", "100%", 10, []news.KEVProduct{{Vendor: "100%Corp", Product: "Widget_1"}}},
			{"percent matches no other", "%", 10, nil},
			{"underscore is literal", "widget_", 10, []news.KEVProduct{{Vendor: "100%Corp", Product: "Widget_1"}}},
			{"no match", "zzz", 10, nil},
			{"zero limit", "m", 0, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.KEVProducts(ctx, tc.prefix, tc.limit)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("KEVProducts(%q, %d) = %v, want %v", tc.prefix, tc.limit, got, tc.want)
				}
			})
		}
	})
}

// BenchmarkReplaceEPSS loads a day's worth of EPSS scores (300,000 rows)
// over the previous day's; the target is under 10 s with either driver.
func BenchmarkReplaceEPSS(b *testing.B) {
	set := epssSet(300_000, day("2026-09-13"), 0)
	for _, driver := range []struct {
		name string
		open storeOpener
	}{{DriverSQLite, openTestStore}, {DriverPostgres, openTestPostgres}} {
		b.Run(driver.name, func(b *testing.B) {
			ctx := context.Background()
			s := driver.open(b)
			if _, err := s.ReplaceEPSS(ctx, set, news.SourceStatus{RefreshedAt: intelT0}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if n, err := s.ReplaceEPSS(ctx, set, news.SourceStatus{RefreshedAt: intelT0}); err != nil || n != len(set.Scores) {
					b.Fatalf("ReplaceEPSS = %d, %v", n, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/load")
		})
	}
}

// BenchmarkCVEIntel looks up one CVE among 300,000 EPSS scores, the KEV
// catalog and cached records; the target is under 1 ms.
func BenchmarkCVEIntel(b *testing.B) {
	set := epssSet(300_000, day("2026-09-13"), 0)
	benchStores(b, func(b *testing.B, s *Store) func(ctx context.Context, caller, i int) error {
		ctx := context.Background()
		if _, err := s.ReplaceEPSS(ctx, set, news.SourceStatus{RefreshedAt: intelT0}); err != nil {
			b.Fatal(err)
		}
		if _, err := s.ReplaceKEV(ctx, news.KEVCatalog{Entries: []news.KEVEntry{kevEntry("CVE-2020-00042", "Acme", "Gateway")}},
			news.SourceStatus{RefreshedAt: intelT0}); err != nil {
			b.Fatal(err)
		}
		return func(ctx context.Context, caller, i int) error {
			id := set.Scores[(caller*7919+i*104729)%len(set.Scores)].CVEID
			got, err := s.CVEIntel(ctx, []string{id})
			if err != nil {
				return err
			}
			if got[id].EPSS == nil {
				return fmt.Errorf("%s: no EPSS score", id)
			}
			return nil
		}
	})
}
