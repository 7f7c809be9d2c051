package intel

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/secbrief/secbrief/article"
	"github.com/secbrief/secbrief/internal/fakeclock"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/storage"
)

var t0 = time.Date(2026, 9, 14, 6, 0, 0, 0, time.UTC)

// The concrete store is what main passes.
var _ Store = (*storage.Store)(nil)

// upstream is one fake source: its handler can be swapped by the test, and
// it counts requests and keeps the last one's headers.
type upstream struct {
	mu      sync.Mutex
	handler http.HandlerFunc
	hits    map[string]int // by path and query
	last    http.Header
}

func (u *upstream) set(h http.HandlerFunc) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.handler = h
}

func (u *upstream) count(key string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.hits[key]
}

func (u *upstream) lastHeader() http.Header {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.last.Clone()
}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	key := r.URL.Path
	if r.URL.RawQuery != "" {
		key += "?" + r.URL.RawQuery
	}
	u.hits[key]++
	u.last = r.Header.Clone()
	h := u.handler
	u.mu.Unlock()
	if h == nil {
		http.Error(w, "no handler", http.StatusInternalServerError)
		return
	}
	h(w, r)
}

// env is a Service on a fresh SQLite store, a fake clock and local
// upstreams for the four sources, reached through the SSRF-guarded client
// with loopback allowed.
type env struct {
	clock               *fakeclock.Clock
	store               *storage.Store
	path                string
	kev, epss, cve, nvd *upstream
	kevURL, epssURL     string
	cveURL, nvdURL      string
	client              *http.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{clock: fakeclock.New(t0), path: filepath.Join(t.TempDir(), "intel.db")}
	mux := http.NewServeMux()
	for _, u := range []struct {
		up   **upstream
		path string
	}{{&e.kev, "/kev.json"}, {&e.epss, "/epss.csv.gz"}, {&e.cve, "/api/cve/"}, {&e.nvd, "/nvd"}} {
		*u.up = &upstream{hits: map[string]int{}}
		mux.Handle(u.path, *u.up)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e.kevURL, e.epssURL = srv.URL+"/kev.json", srv.URL+"/epss.csv.gz"
	e.cveURL, e.nvdURL = srv.URL+"/api/cve/{id}", srv.URL+"/nvd?cveId={id}"
	port, _ := strconv.Atoi(srv.URL[len("http://127.0.0.1:"):])
	e.client = article.NewClient(article.Policy{
		AllowNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		AllowPorts:    []int{port},
	})
	e.store = e.open(t, "test")
	return e
}

// open opens another Store (another "process") on the env's database.
func (e *env) open(t *testing.T, owner string) *storage.Store {
	t.Helper()
	s, err := storage.Open(context.Background(), e.path, nil, storage.WithClock(e.clock.Now), storage.WithOwner(owner))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// service returns a Service on the env with opts' zero URLs and clock
// pointing at the env.
func (e *env) service(opts Options) *Service {
	if opts.KEVURL == "" {
		opts.KEVURL = e.kevURL
	}
	if opts.EPSSURL == "" {
		opts.EPSSURL = e.epssURL
	}
	if opts.CVEURL == "" {
		opts.CVEURL = e.cveURL
	}
	if opts.NVDURL == "" {
		opts.NVDURL = e.nvdURL
	}
	opts.Clock = e.clock
	return New(e.store, e.client, opts, nil)
}

// status returns the stored state of source.
func (e *env) status(t *testing.T, source string) news.SourceStatus {
	t.Helper()
	st, err := e.store.IntelSource(context.Background(), source)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// serveValidated serves body with etag, answering 304 to a request that
// presents it.
func serveValidated(body []byte, etag string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Write(body)
	}
}

// serveStatus answers code.
func serveStatus(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { http.Error(w, http.StatusText(code), code) }
}

// serveTestdata serves testdata/<dir>/<id>.json for the CVE id at the end
// of the path (CVE Services) or in cveId (NVD); missing, it calls missing.
func serveTestdata(dir string, missing http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("cveId")
		if id == "" {
			id, _ = url.PathUnescape(filepath.Base(r.URL.Path))
		}
		body, err := os.ReadFile(filepath.Join("testdata", dir, filepath.Base(id)+".json"))
		if err != nil {
			missing(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}
}

func gzipped(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// runClock advances the fake clock to each timer as soon as one is made,
// until the test ends: waits on the clock (NVD pacing) pass at once, and
// their lengths stay in clock.Asked().
func runClock(t *testing.T, clock *fakeclock.Clock) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			if _, err := clock.AdvanceToNext(ctx); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
}
