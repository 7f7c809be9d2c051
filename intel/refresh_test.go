package intel

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

// withKEVEntry is the catalog body with one invented entry added first.
func withKEVEntry(t *testing.T, body []byte, id string) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	entry := map[string]any{"cveID": id, "vendorProject": "ExampleCorp", "product": "Example Gateway",
		"vulnerabilityName": "ExampleCorp Gateway Code Injection", "dateAdded": "2026-09-14",
		"shortDescription": "Invented for a test.", "requiredAction": "Apply the update.", "dueDate": "2026-10-05",
		"knownRansomwareCampaignUse": "Known", "notes": ""}
	doc["vulnerabilities"] = append([]any{entry}, doc["vulnerabilities"].([]any)...)
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRefreshKEV(t *testing.T) {
	fixture := readKEVFixture(t)
	ctx := context.Background()
	e := newEnv(t)
	svc := e.service(Options{})
	e.kev.set(serveValidated(fixture, `"v1"`))
	if err := svc.RefreshKEV(ctx); err != nil {
		t.Fatal(err)
	}
	st := e.status(t, news.IntelKEV)
	if st.Entries != 1404 || st.Version != "2025.08.25" || !st.RefreshedAt.Equal(t0) || !st.CheckedAt.Equal(t0) ||
		st.ETag != `"v1"` || st.Failing() || st.DataDate.Format(time.DateOnly) != "2025-08-25" {
		t.Errorf("state after the first refresh = %+v", st)
	}
	got, err := svc.Lookup(ctx, "cve-2025-48384", "not a cve")
	if err != nil {
		t.Fatal(err)
	}
	if k := got["CVE-2025-48384"].KEV; len(got) != 1 || k == nil || k.Product != "Git" || !k.Baseline {
		t.Errorf("Lookup = %+v", got)
	}
	if added, _ := svc.KEVAdded(ctx, time.Time{}, 10); len(added) != 0 {
		t.Errorf("the baseline catalog alerts %d entries", len(added))
	}

	// An hour later the catalog has not changed: 304.
	e.clock.Advance(time.Hour)
	if err := svc.RefreshKEV(ctx); err != nil {
		t.Fatal(err)
	}
	if h := e.kev.lastHeader(); h.Get("If-None-Match") != `"v1"` {
		t.Errorf("second request sent If-None-Match %q", h.Get("If-None-Match"))
	}
	if st := e.status(t, news.IntelKEV); !st.RefreshedAt.Equal(t0.Add(time.Hour)) || st.Entries != 1404 {
		t.Errorf("state after a 304 = %+v", st)
	}

	// CISA adds a CVE.
	e.clock.Advance(time.Hour)
	e.kev.set(serveValidated(withKEVEntry(t, fixture, "CVE-2026-90001"), `"v2"`))
	if err := svc.RefreshKEV(ctx); err != nil {
		t.Fatal(err)
	}
	added, err := svc.KEVAdded(ctx, t0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(added) != 1 || added[0].CVEID != "CVE-2026-90001" || !added[0].Ransomware ||
		!added[0].FirstSeenAt.Equal(t0.Add(2*time.Hour)) || added[0].Baseline {
		t.Errorf("KEVAdded = %+v, want CVE-2026-90001 first seen at %s", added, t0.Add(2*time.Hour))
	}
	products, err := svc.KEVProducts(ctx, "examplec", 5)
	if err != nil || len(products) != 1 || products[0] != (news.KEVProduct{Vendor: "ExampleCorp", Product: "Example Gateway"}) {
		t.Errorf("KEVProducts = %v, %v", products, err)
	}
}

// TestRefreshFailuresKeepTheData: whatever goes wrong, the stored catalog
// is still served and the state says what kind of failure it was.
func TestRefreshFailuresKeepTheData(t *testing.T) {
	fixture := readKEVFixture(t)
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		opts     Options
		wantKind string
	}{
		{"outage", serveStatus(http.StatusServiceUnavailable), Options{}, news.IntelErrHTTP},
		{"not found", serveStatus(http.StatusNotFound), Options{}, news.IntelErrHTTP},
		{"too large", serveValidated(fixture, `"new"`), Options{KEVMaxBytes: 64 << 10}, news.IntelErrTooLarge},
		{"not JSON", serveValidated([]byte("<html>down for maintenance</html>"), `"html"`), Options{}, news.IntelErrFormat},
		{"empty catalog", serveValidated([]byte(`{"vulnerabilities": []}`), `"empty"`), Options{}, news.IntelErrFormat},
		{"unreachable", nil, Options{KEVURL: "http://127.0.0.1:1/kev.json"}, news.IntelErrNetwork},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t)
			e.kev.set(serveValidated(fixture, `"v1"`))
			if err := e.service(Options{}).RefreshKEV(ctx); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(time.Hour)
			e.kev.set(tc.handler)
			svc := e.service(tc.opts)
			if err := svc.RefreshKEV(ctx); err == nil {
				t.Fatal("RefreshKEV succeeded")
			}
			st := e.status(t, news.IntelKEV)
			if st.ErrorKind != tc.wantKind || !st.ErrorAt.Equal(t0.Add(time.Hour)) || !st.CheckedAt.Equal(t0.Add(time.Hour)) ||
				!st.RefreshedAt.Equal(t0) || st.Entries != 1404 || st.ETag != `"v1"` {
				t.Errorf("state = %+v, want error kind %s and the first refresh kept", st, tc.wantKind)
			}
			if st.Age(t0.Add(time.Hour)) != time.Hour {
				t.Errorf("Age = %s, want 1h", st.Age(t0.Add(time.Hour)))
			}
			got, err := svc.Lookup(ctx, "CVE-2025-48384")
			if err != nil || got["CVE-2025-48384"].KEV == nil {
				t.Errorf("stale catalog not served: %+v, %v", got, err)
			}
		})
	}
}

// countingStore counts the bulk loads.
type countingStore struct {
	Store
	epssLoads atomic.Int32
}

func (c *countingStore) ReplaceEPSS(ctx context.Context, set news.EPSSSet, st news.SourceStatus) (int, error) {
	c.epssLoads.Add(1)
	return c.Store.ReplaceEPSS(ctx, set, st)
}

func TestRefreshEPSS(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	store := &countingStore{Store: e.store}
	svc := New(store, e.client, Options{EPSSURL: e.epssURL, Clock: e.clock}, nil)
	day1 := gzipped(t, epssCSV("2026-09-13", "CVE-2026-90001,0.94012,0.99801", "CVE-2026-90002,0.00130,0.21000"))
	e.epss.set(func(w http.ResponseWriter, r *http.Request) { // no validators, like some mirrors
		w.Header().Set("Content-Type", "application/gzip")
		w.Write(day1)
	})
	if err := svc.RefreshEPSS(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := svc.Lookup(ctx, "CVE-2026-90001")
	want := news.EPSSScore{CVEID: "CVE-2026-90001", Probability: 0.94012, Percentile: 0.99801,
		ScoreDate: date("2026-09-13"), ModelVersion: "v2025.03.14"}
	if p := got["CVE-2026-90001"].EPSS; p == nil || *p != want {
		t.Errorf("EPSS = %+v, want %+v", p, want)
	}

	// The same day's file again: not loaded twice.
	e.clock.Advance(24 * time.Hour)
	if err := svc.RefreshEPSS(ctx); err != nil {
		t.Fatal(err)
	}
	if n := store.epssLoads.Load(); n != 1 {
		t.Errorf("%d loads of one day's file, want 1", n)
	}
	if st := e.status(t, news.IntelEPSS); !st.RefreshedAt.Equal(t0.Add(24*time.Hour)) || st.Entries != 2 {
		t.Errorf("state after the same day = %+v", st)
	}

	// The next day's file, served uncompressed, replaces the first.
	e.epss.set(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(epssCSV("2026-09-14", "CVE-2026-90003,0.5,0.9")))
	})
	if err := svc.RefreshEPSS(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ = svc.Lookup(ctx, "CVE-2026-90001", "CVE-2026-90003")
	if got["CVE-2026-90001"].EPSS != nil || got["CVE-2026-90003"].EPSS == nil {
		t.Errorf("after the next day: %+v", got)
	}

	// A broken download keeps the stored day.
	for _, tc := range []struct {
		name string
		body []byte
		max  int64
		kind string
	}{
		{"truncated gzip", gzipped(t, epssCSV("2026-09-15", "CVE-2026-90004,0.1,0.1"))[:30], 0, news.IntelErrFormat},
		{"gzip bomb", gzipped(t, epssCSV("2026-09-15", strings.Repeat("CVE-2026-90004,0.1,0.1\n", 20000))), 64 << 10, news.IntelErrTooLarge},
		{"bad row", gzipped(t, epssCSV("2026-09-15", "CVE-2026-90004,0.1,0.1", "CVE-2026-90005,NaN?,0.1")), 0, news.IntelErrFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.epss.set(func(w http.ResponseWriter, r *http.Request) { w.Write(tc.body) })
			svc := New(store, e.client, Options{EPSSURL: e.epssURL, Clock: e.clock, EPSSMaxBytes: tc.max}, nil)
			if err := svc.RefreshEPSS(ctx); err == nil {
				t.Fatal("RefreshEPSS succeeded")
			}
			if st := e.status(t, news.IntelEPSS); st.ErrorKind != tc.kind || st.Entries != 1 {
				t.Errorf("state = %+v, want error kind %s, the stored day kept", st, tc.kind)
			}
			if got, _ := svc.Lookup(ctx, "CVE-2026-90003"); got["CVE-2026-90003"].EPSS == nil {
				t.Error("the stored day is not served")
			}
		})
	}
}

func TestRefreshClaimedByAnotherProcess(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	other := e.open(t, "other")
	if ok, err := other.Claim(ctx, "intel:kev"); !ok || err != nil {
		t.Fatalf("Claim = %v, %v", ok, err)
	}
	e.kev.set(serveStatus(http.StatusTeapot))
	if err := e.service(Options{}).RefreshKEV(ctx); !errors.Is(err, ErrClaimed) {
		t.Errorf("RefreshKEV = %v, want ErrClaimed", err)
	}
	if n := e.kev.count("/kev.json"); n != 0 {
		t.Errorf("%d requests while another process held the refresh", n)
	}
	if err := other.Release(ctx, "intel:kev"); err != nil {
		t.Fatal(err)
	}
	// Released: this process refreshes, and releases in turn.
	if err := e.service(Options{}).RefreshKEV(ctx); err == nil || errors.Is(err, ErrClaimed) {
		t.Errorf("RefreshKEV after the release = %v, want the teapot's error", err)
	}
	if ok, err := other.Claim(ctx, "intel:kev"); !ok || err != nil {
		t.Errorf("the refresh was not released: Claim = %v, %v", ok, err)
	}
}

// TestRunRefreshesOnSchedule: KEV hourly, EPSS daily, a failed refresh
// retried after 10 minutes, all on the injected clock.
func TestRunRefreshesOnSchedule(t *testing.T) {
	fixture := readKEVFixture(t)
	e := newEnv(t)
	e.kev.set(serveValidated(fixture, `"v1"`))
	e.epss.set(serveValidated(gzipped(t, epssCSV("2026-09-13", "CVE-2026-90001,0.5,0.5")), `"e1"`))
	svc := e.service(Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	wait := func(n int) {
		t.Helper()
		wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer wcancel()
		if err := e.clock.WaitPending(wctx, n); err != nil {
			t.Fatalf("waiting for %d timers: %v (pending %v)", n, err, e.clock.Pending())
		}
	}
	hits := func() (int, int) { return e.kev.count("/kev.json"), e.epss.count("/epss.csv.gz") }

	wait(2)
	if k, p := hits(); k != 1 || p != 1 {
		t.Fatalf("at start: %d KEV and %d EPSS requests, want 1 and 1", k, p)
	}
	e.clock.Advance(time.Hour)
	wait(2)
	if k, p := hits(); k != 2 || p != 1 {
		t.Fatalf("after 1h: %d KEV and %d EPSS requests, want 2 and 1", k, p)
	}
	e.kev.set(serveStatus(http.StatusBadGateway))
	e.clock.Advance(time.Hour)
	wait(2)
	if k, _ := hits(); k != 3 {
		t.Fatalf("after 2h: %d KEV requests, want 3", k)
	}
	e.kev.set(serveValidated(fixture, `"v1"`))
	e.clock.Advance(retryFailed)
	wait(2)
	if k, _ := hits(); k != 4 {
		t.Fatalf("10m after the failure: %d KEV requests, want 4 (the retry)", k)
	}
	if st := e.status(t, news.IntelKEV); st.Failing() || !st.RefreshedAt.Equal(t0.Add(2*time.Hour+retryFailed)) {
		t.Errorf("state after the retry = %+v", st)
	}
	e.clock.Advance(22*time.Hour - retryFailed)
	wait(2)
	if _, p := hits(); p != 2 {
		t.Errorf("after 24h: %d EPSS requests, want 2", p)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
}

func TestDisabled(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.kev.set(serveStatus(http.StatusTeapot))
	svc := e.service(Options{Disabled: true})
	if err := svc.Run(ctx); err != nil {
		t.Errorf("Run = %v", err)
	}
	svc.Want("CVE-2026-90001")
	if len(svc.queue) != 0 {
		t.Error("Want queued a lookup while disabled")
	}
	if err := svc.RefreshKEV(ctx); err != nil || e.kev.count("/kev.json") != 0 {
		t.Errorf("RefreshKEV while disabled = %v, %d requests", err, e.kev.count("/kev.json"))
	}
	got, err := svc.Lookup(ctx, "CVE-2026-90001")
	st, serr := svc.Status(ctx)
	if err != nil || len(got) != 0 || serr != nil || st != nil {
		t.Errorf("Lookup = %v, %v; Status = %v, %v", got, err, st, serr)
	}
}

func TestStatusListsEverySource(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	svc := e.service(Options{})
	e.epss.set(serveStatus(http.StatusInternalServerError))
	if err := svc.RefreshEPSS(ctx); err == nil {
		t.Fatal("RefreshEPSS succeeded")
	}
	st, err := svc.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var sources []string
	for _, s := range st {
		sources = append(sources, s.Source)
	}
	if strings.Join(sources, ",") != "kev,epss,cve,nvd" {
		t.Fatalf("sources = %v", sources)
	}
	if !st[0].CheckedAt.IsZero() || st[1].ErrorKind != news.IntelErrHTTP || !st[1].RefreshedAt.IsZero() {
		t.Errorf("Status = %+v", st)
	}
}
