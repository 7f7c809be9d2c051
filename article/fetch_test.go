package article

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeDNS answers lookups from a table; a name with several answers gives
// them in turn (the last one repeats), which plays DNS rebinding.
type fakeDNS struct {
	mu      sync.Mutex
	answers map[string][]netip.Addr
	calls   map[string]int
}

func newFakeDNS(answers map[string][]string) *fakeDNS {
	d := &fakeDNS{answers: map[string][]netip.Addr{}, calls: map[string]int{}}
	for name, addrs := range answers {
		for _, a := range addrs {
			d.answers[name] = append(d.answers[name], netip.MustParseAddr(a))
		}
	}
	return d
}

func (d *fakeDNS) resolve(_ context.Context, host string) ([]netip.Addr, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	answers, ok := d.answers[host]
	if !ok {
		return nil, fmt.Errorf("no such host %s", host)
	}
	i := min(d.calls[host], len(answers)-1)
	d.calls[host]++
	return []netip.Addr{answers[i]}, nil
}

// lookups is how often host was resolved.
func (d *fakeDNS) lookups(host string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.calls[host]
}

// testEnv is an httptest server on 127.0.0.1 that plays a public site:
// 127.0.0.1/32 and its port are allowed, the rest of loopback is not, and
// the fake DNS maps public.test to it and internal.test to 127.0.0.2.
type testEnv struct {
	srv    *httptest.Server
	port   string
	policy Policy
	dns    *fakeDNS
}

func newTestEnv(t *testing.T, h http.Handler) *testEnv {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	n, _ := strconv.Atoi(port)
	return &testEnv{
		srv:  srv,
		port: port,
		policy: Policy{
			AllowNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
			AllowPorts:    []int{n},
			Timeout:       10 * time.Second, // failure guard only
			IdleTimeout:   10 * time.Second,
		},
		dns: newFakeDNS(map[string][]string{
			"public.test":   {"127.0.0.1"},
			"internal.test": {"127.0.0.2"},
		}),
	}
}

func (e *testEnv) url(host, path string) string {
	return "http://" + host + ":" + e.port + path
}

func (e *testEnv) fetcher() *Fetcher { return newFetcher(e.policy, nil, e.dns.resolve) }

// articleHandler serves a small article page.
func articleHandler(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, page("", ""))
}

func TestFetchArticle(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/start", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/article", http.StatusFound)
	})
	mux.HandleFunc("/article", func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.UserAgent(), "secbrief/") {
			t.Errorf("User-Agent %q", r.UserAgent())
		}
		articleHandler(w, r)
	})
	env := newTestEnv(t, mux)
	a, err := env.fetcher().Fetch(t.Context(), env.url("public.test", "/start"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "Flaw in VPN appliance exploited" || !strings.Contains(a.Text, "VPN appliance") {
		t.Errorf("got %+v", a)
	}
	if want := env.url("public.test", "/article"); a.URL != want {
		t.Errorf("URL %q, want the final URL %q", a.URL, want)
	}
}

func TestFetchRedirectToInternalRefusedAtConnect(t *testing.T) {
	mux := http.NewServeMux()
	var env *testEnv
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// The target is a name, so the static check passes; only the
		// connect-time check sees that it resolves to loopback.
		http.Redirect(w, r, env.url("internal.test", "/admin"), http.StatusFound)
	})
	env = newTestEnv(t, mux)
	_, err := env.fetcher().Fetch(t.Context(), env.url("public.test", "/"))
	var refused *RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("err = %v, want *RefusedError", err)
	}
	if want := "address 127.0.0.2 is loopback and not allowed (fetch.allow_networks can allow it)"; refused.Error() != want {
		t.Errorf("refusal %q, want %q", refused.Error(), want)
	}
	if n := env.dns.lookups("internal.test"); n != 1 {
		t.Errorf("internal.test resolved %d times, want 1 (refused at connect)", n)
	}
}

func TestFetchRedirectStaticChecks(t *testing.T) {
	tests := []struct {
		name, location, want string
	}{
		{"metadata literal", "http://169.254.169.254/latest/meta-data/", "address 169.254.169.254 is link-local"},
		{"file scheme", "file:///etc/passwd", `scheme "file"`},
		{"credentials", "http://u:p@public.test/", "credentials"},
		{"port", "http://public.test:8081/", "port 8081"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, tt.location, http.StatusMovedPermanently)
			}))
			_, err := env.fetcher().Fetch(t.Context(), env.url("public.test", "/"))
			var refused *RefusedError
			if !errors.As(err, &refused) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a refusal with %q", err, tt.want)
			}
		})
	}
}

func TestFetchTooManyRedirects(t *testing.T) {
	var hits atomic.Int32
	env := newTestEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		http.Redirect(w, r, "/loop"+strconv.Itoa(int(n)), http.StatusFound)
	}))
	_, err := env.fetcher().Fetch(t.Context(), env.url("public.test", "/"))
	if err == nil || !strings.Contains(err.Error(), "stopped after 5 redirects") {
		t.Fatalf("err = %v", err)
	}
	if n := hits.Load(); n != 6 {
		t.Errorf("%d requests, want 6 (the first and 5 redirects)", n)
	}
}

func TestFetchDNSRebinding(t *testing.T) {
	env := newTestEnv(t, http.HandlerFunc(articleHandler))
	// First answer public (the allowed stand-in), then loopback.
	env.dns = newFakeDNS(map[string][]string{"rebind.test": {"127.0.0.1", "127.0.0.2"}})
	f := env.fetcher()
	if _, err := f.Fetch(t.Context(), env.url("rebind.test", "/")); err != nil {
		t.Fatalf("first fetch: %v", err)
	}
	f.client.CloseIdleConnections() // force a new dial, hence a new lookup
	_, err := f.Fetch(t.Context(), env.url("rebind.test", "/"))
	var refused *RefusedError
	if !errors.As(err, &refused) || refused.Subject != "address 127.0.0.2" {
		t.Fatalf("second fetch err = %v, want address 127.0.0.2 refused", err)
	}
}

func TestNewClientGuardsEveryRequest(t *testing.T) {
	env := newTestEnv(t, http.HandlerFunc(articleHandler))
	n, _ := strconv.Atoi(env.port)
	// The production client: real resolver and dialer, loopback not allowed.
	client := NewClient(Policy{AllowPorts: []int{n}})
	resp, err := client.Get(env.srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatal("GET of a loopback URL succeeded")
	}
	var refused *RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("err = %v, want *RefusedError", err)
	}
	// Below the URL check, the dialer itself refuses the address.
	tr := client.Transport.(*guardTransport).next.(*http.Transport)
	conn, err := tr.DialContext(t.Context(), "tcp", env.srv.Listener.Addr().String())
	if err == nil {
		conn.Close()
		t.Fatal("dial to loopback succeeded")
	}
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), "is loopback and not allowed") {
		t.Fatalf("dial err = %v", err)
	}
	if tr.Proxy != nil {
		t.Error("transport uses a proxy")
	}
}

func TestFetchErrors(t *testing.T) {
	env := newTestEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/missing":
			http.NotFound(w, r)
		case "/banner":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<html><body><div>We use cookies. <button>OK</button></div></body></html>`)
		}
	}))
	f := env.fetcher()
	_, err := f.Fetch(t.Context(), env.url("public.test", "/missing"))
	var status *StatusError
	if !errors.As(err, &status) || status.Code != http.StatusNotFound {
		t.Errorf("err = %v, want StatusError 404", err)
	}
	if _, err := f.Fetch(t.Context(), env.url("public.test", "/banner")); !errors.Is(err, ErrNoArticle) {
		t.Errorf("err = %v, want ErrNoArticle", err)
	}
	if _, err := f.Fetch(t.Context(), "http://169.254.169.254/"); err == nil || err.Error() != "address 169.254.169.254 is link-local and not allowed (fetch.allow_networks can allow it)" {
		t.Errorf("err = %v", err)
	}
	if _, err := f.Fetch(t.Context(), env.url("nowhere.test", "/")); err == nil {
		t.Error("unresolvable host fetched")
	}
}
