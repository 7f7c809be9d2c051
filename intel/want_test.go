package intel

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

// startWorker runs the lookup worker of svc (not the refresh loops) until
// the test ends, and returns a channel that receives each CVE it handled.
func startWorker(t *testing.T, svc *Service) <-chan string {
	looked := make(chan string, 64)
	svc.looked = func(id string) { looked <- id }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.work(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return looked
}

// awaitLooked waits until the worker handled n CVEs and returns them.
func awaitLooked(t *testing.T, looked <-chan string, n int) []string {
	t.Helper()
	var ids []string
	timeout := time.After(30 * time.Second) // a deadlock guard, not a schedule
	for len(ids) < n {
		select {
		case id := <-looked:
			ids = append(ids, id)
		case <-timeout:
			t.Fatalf("the worker handled %v, want %d CVEs", ids, n)
		}
	}
	slices.Sort(ids)
	return ids
}

func notFound(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }

func nvdNone(w http.ResponseWriter, r *http.Request) {
	w.Write([]byte(`{"resultsPerPage": 0, "startIndex": 0, "totalResults": 0, "vulnerabilities": []}`))
}

func TestWantLooksUpInTheBackground(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	runClock(t, e.clock) // NVD pacing passes at once, on the fake clock
	e.cve.set(serveTestdata("cve", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/cve/CVE-2026-90007" {
			serveStatus(http.StatusBadGateway)(w, r) // CVE Services fails: NVD has it
			return
		}
		notFound(w, r)
	}))
	e.nvd.set(serveTestdata("nvd", nvdNone))
	svc := e.service(Options{})
	looked := startWorker(t, svc)

	ids := []string{"cve-2026-90001", "CVE-2026-90001", "CVE-2026-90003", "CVE-2026-90004", "CVE-2026-90005",
		"CVE-2026-90007", "CVE-2026-99999", "GHSA-1234"}
	svc.Want(ids...)
	want := []string{"CVE-2026-90001", "CVE-2026-90003", "CVE-2026-90004", "CVE-2026-90005", "CVE-2026-90007", "CVE-2026-99999"}
	if got := awaitLooked(t, looked, 6); !slices.Equal(got, want) {
		t.Fatalf("looked up %v, want %v", got, want)
	}
	got, err := svc.Lookup(ctx, ids...)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id                      string
		found                   bool
		source, title, advisory string
		cvssVersion, cvssSource string
		score                   float64
	}{
		{"CVE-2026-90001", true, news.SourceCNA, "ExampleCorp Gateway Remote Code Execution Vulnerability",
			"https://security.example.com/advisories/EX-2026-001", "3.1", news.SourceCNA, 9.8},
		{"CVE-2026-90003", true, news.SourceCNA, "", "", "3.1", news.SourceCISAADP, 5.4},
		// The CNA gave no score: the record's text, NVD's score and advisory.
		{"CVE-2026-90004", true, news.SourceCNA, "Quuxlib heap overflow",
			"https://quux.example/security/QSA-2026-01", "3.1", news.SourceNVD, 6.5},
		{"CVE-2026-90005", true, news.SourceCNA, "", "", "", "", 0},
		{"CVE-2026-90007", true, news.SourceNVD, "", "https://frob.example/psirt/FSA-7", "4.0", news.SourceNVD, 10},
		{"CVE-2026-99999", false, "", "", "", "", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			ci := got[tc.id]
			r := ci.Record
			if r == nil || r.Found != tc.found || r.Source != tc.source || r.Title != tc.title ||
				r.AdvisoryURL != tc.advisory || r.FetchedAt.Before(t0) || r.FetchedAt.After(e.clock.Now()) {
				t.Fatalf("record = %+v", r)
			}
			switch {
			case tc.cvssVersion == "" && ci.CVSS != nil:
				t.Errorf("CVSS = %+v, want none", ci.CVSS)
			case tc.cvssVersion != "" && (ci.CVSS == nil || ci.CVSS.Version != tc.cvssVersion ||
				ci.CVSS.Source != tc.cvssSource || ci.CVSS.Score != tc.score):
				t.Errorf("CVSS = %+v, want %s %.1f from %s", ci.CVSS, tc.cvssVersion, tc.score, tc.cvssSource)
			}
		})
	}
	if n := e.nvd.count("/nvd?cveId=CVE-2026-90005") + e.nvd.count("/nvd?cveId=CVE-2026-90001"); n != 0 {
		t.Errorf("NVD asked %d times about a scored or rejected CVE", n)
	}
	for _, src := range []string{news.IntelCVE, news.IntelNVD} {
		if st := e.status(t, src); st.RefreshedAt.IsZero() {
			t.Errorf("%s state = %+v, want a success", src, st)
		}
	}

	// Within the TTL, wanting them again asks nobody.
	before := e.cve.count("/api/cve/CVE-2026-90001")
	svc.Want(want...)
	awaitLooked(t, looked, 6)
	if n := e.cve.count("/api/cve/CVE-2026-90001"); n != before {
		t.Errorf("%d requests for a cached record", n-before)
	}
	// Past the TTL, it is looked up again.
	e.clock.Advance(DefaultCVSSTTL)
	svc.Want("CVE-2026-90001")
	awaitLooked(t, looked, 1)
	if n := e.cve.count("/api/cve/CVE-2026-90001"); n != before+1 {
		t.Errorf("%d requests after the TTL, want 1", n-before)
	}
}

func TestLookupCVEOutageStoresNothing(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.cve.set(serveStatus(http.StatusServiceUnavailable))
	e.nvd.set(serveStatus(http.StatusForbidden))
	svc := e.service(Options{})
	if err := svc.LookupCVE(ctx, "CVE-2026-90001"); err == nil {
		t.Fatal("LookupCVE succeeded with both sources down")
	}
	if got, _ := svc.Lookup(ctx, "CVE-2026-90001"); len(got) != 0 {
		t.Errorf("Lookup = %+v, want nothing cached (retried when wanted again)", got)
	}
	for _, src := range []string{news.IntelCVE, news.IntelNVD} {
		if st := e.status(t, src); st.ErrorKind != news.IntelErrHTTP || !st.ErrorAt.Equal(t0) {
			t.Errorf("%s state = %+v", src, st)
		}
	}
	// The lookup released its claim.
	if ok, err := e.open(t, "other").Claim(ctx, "intel:cve:CVE-2026-90001"); !ok || err != nil {
		t.Errorf("claim left behind: %v, %v", ok, err)
	}
}

func TestNVDPacing(t *testing.T) {
	tests := []struct {
		name string
		key  string
		gap  time.Duration
	}{
		{"without a key: 5 per 30 s", "", 6 * time.Second},
		{"with a key: 50 per 30 s", "secret-key", 600 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t)
			e.nvd.set(nvdNone)
			svc := e.service(Options{NVDAPIKey: tc.key})
			done := make(chan error, 3)
			go func() {
				for range 3 {
					_, _, err := svc.fetchNVD(ctx, "CVE-2026-90001")
					done <- err
				}
			}()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			for i := 2; i <= 3; i++ {
				wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				err := e.clock.WaitPending(wctx, 1)
				cancel()
				if err != nil {
					t.Fatal(err)
				}
				if p := e.clock.Pending(); len(p) != 1 || p[0] != tc.gap {
					t.Fatalf("request %d waits %v, want %s", i, p, tc.gap)
				}
				if n := e.nvd.count("/nvd?cveId=CVE-2026-90001"); n != i-1 {
					t.Fatalf("%d requests before the wait ended, want %d", n, i-1)
				}
				e.clock.Advance(tc.gap)
				if err := <-done; err != nil {
					t.Fatal(err)
				}
			}
			if got := e.nvd.lastHeader().Get("apiKey"); got != tc.key {
				t.Errorf("apiKey header %q, want %q", got, tc.key)
			}
		})
	}
}

func TestWantNeverBlocks(t *testing.T) {
	e := newEnv(t)
	svc := e.service(Options{Queue: 2})
	svc.Want("CVE-2026-0001", "cve-2026-0001", "CVE-2026-0002", "CVE-2026-0003", "CVE-2026-0004")
	if len(svc.queue) != 2 {
		t.Errorf("%d queued, want 2 (the queue's size)", len(svc.queue))
	}
	svc.Want("CVE-2026-0002") // already queued
	if len(svc.queue) != 2 || !svc.pending["CVE-2026-0001"] || svc.pending["CVE-2026-0003"] {
		t.Errorf("queue %d, pending %v", len(svc.queue), svc.pending)
	}
}
