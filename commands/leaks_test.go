package commands

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/article"
	"github.com/secbrief/secbrief/feeds"
	"github.com/secbrief/secbrief/internal/loopback"
)

// evilPhrase is what a hostile server puts where a reason phrase, a title
// or a content type goes.
const evilPhrase = "@everyone <@123> [click](https://evil.example)"

// leakEnv is a site on 127.0.0.1 that a policy allows (as an operator's
// allow_networks would), with the real fetcher and feed client over it.
type leakEnv struct {
	srv    *httptest.Server
	policy article.Policy
	logs   *bytes.Buffer
}

func newLeakEnv(t *testing.T, h http.Handler) *leakEnv {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &leakEnv{srv: srv, policy: policyFor(t, srv.Listener.Addr().String()), logs: &bytes.Buffer{}}
}

// policyFor allows 127.0.0.1 and the port of addr, and nothing else that
// is local.
func policyFor(t *testing.T, addr string) article.Policy {
	t.Helper()
	_, port, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(port)
	return article.Policy{
		AllowNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		AllowPorts:    []int{n},
		Timeout:       10 * time.Second, // failure guard only
	}
}

func (e *leakEnv) fetch(t *testing.T, rawURL string) error {
	t.Helper()
	f := article.NewFetcher(e.policy, slog.New(slog.NewTextHandler(e.logs, nil)))
	_, err := f.Fetch(t.Context(), rawURL)
	if err == nil {
		t.Fatalf("fetch of %s succeeded", rawURL)
	}
	return err
}

// checkNoLeak fails when msg holds any of the secrets, a live mention or a
// link.
func checkNoLeak(t *testing.T, msg string, secrets ...string) {
	t.Helper()
	for _, s := range append(secrets, "@everyone", "<@123>", "](", "evil.example", "dial tcp", "connection refused") {
		if strings.Contains(msg, s) {
			t.Errorf("user-visible text %q shows %q", msg, s)
		}
	}
}

// rawStatusServer answers every request with status line "HTTP/1.1 <status>"
// as given, which net/http's server cannot write.
func rawStatusServer(t *testing.T, status, contentType string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil || line == "\r\n" {
						break
					}
				}
				fmt.Fprintf(c, "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno", status, contentType)
			}()
		}
	}()
	return l.Addr().String()
}

// TestSummarizeErrorsLeakNothing fetches through the real fetcher and
// checks the /summarize reply (UserMessage) says what kind of thing failed
// and never the address, the name, the dial error, the redirect target or
// the server's own words, while the fetcher's log keeps the detail.
func TestSummarizeErrorsLeakNothing(t *testing.T) {
	redirect := func(to string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to, http.StatusFound) })
	}
	tests := []struct {
		name    string
		handler http.Handler
		target  func(e *leakEnv) string
		want    string
		secrets []string // also the details the log must keep
	}{
		{"redirect to a private address", redirect("http://10.0.0.1/admin"), nil,
			"points to a private or local address", []string{"10.0.0.1"}},
		{"redirect to a loopback name", redirect("http://jenkins.localhost/"), nil,
			"points to a private or local address", []string{"jenkins.localhost"}},
		{"redirect to another loopback address", redirect("http://127.0.0.2/"), nil,
			"points to a private or local address", []string{"127.0.0.2"}},
		{"redirect to the metadata service", redirect("http://169.254.169.254/latest/meta-data/"), nil,
			"points to a private or local address", []string{"169.254.169.254"}},
		{"redirect to another port", redirect("http://127.0.0.1:6379/"), nil,
			"uses a port other than 80 or 443", []string{"6379"}},
		{"address typed in the link", nil, func(*leakEnv) string { return "http://10.9.8.7/" },
			"points to a private or local address", nil},
		{"connection refused", nil, func(*leakEnv) string { return "http://" + loopback.ClosedAddr(t) + "/" },
			"couldn't connect", []string{"connection refused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.handler
			if h == nil {
				h = http.NotFoundHandler()
			}
			env := newLeakEnv(t, h)
			target := env.srv.URL + "/story"
			if tt.target != nil {
				target = tt.target(env)
				u, _ := url.Parse(target)
				env.policy = policyFor(t, u.Host)
			}
			err := env.fetch(t, target)
			msg := UserMessage(err)
			if !strings.Contains(msg, tt.want) {
				t.Errorf("UserMessage = %q, want %q", msg, tt.want)
			}
			checkNoLeak(t, msg, append(tt.secrets, "127.0.0.1")...)
			for _, s := range tt.secrets {
				if !strings.Contains(env.logs.String()+err.Error(), s) {
					t.Errorf("the log lost %q: %s", s, env.logs.String())
				}
			}
		})
	}
}

// TestNameResolvingToPrivateAddressLeaksNothing: a refusal at connect time,
// after the dialer resolved a name, wrapped as net/http wraps it.
func TestNameResolvingToPrivateAddressLeaksNothing(t *testing.T) {
	err := fmt.Errorf("fetch http://jenkins.corp.example/job: %w", &url.Error{Op: "Get", URL: "http://jenkins.corp.example/job",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: &article.RefusedError{Kind: article.RefusedAddress, Subject: "address 10.1.2.3", Reason: "private"}}})
	for _, msg := range []string{UserMessage(err), FeedProblem(err)} {
		if !strings.Contains(msg, "private or local address") {
			t.Errorf("message %q does not say what kind of address was refused", msg)
		}
		checkNoLeak(t, msg, "10.1.2.3", "jenkins")
	}
}

// TestRemoteWordsAreNotRepeated: a reason phrase and a content type are the
// server's text and never reach the user.
func TestRemoteWordsAreNotRepeated(t *testing.T) {
	tests := []struct {
		name, status, contentType, want string
	}{
		{"reason phrase", "404 " + evilPhrase, "text/html", "HTTP 404 (Not Found)"},
		{"unknown code", "599 " + evilPhrase, "text/html", "HTTP 599 when"},
		{"content type", "200 OK", "[click](https://evil.example)", "(unknown content type)"},
		{"content type with mentions", "200 OK", "@everyone/<@123>", "(unknown content type)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := rawStatusServer(t, tt.status, tt.contentType)
			env := &leakEnv{policy: policyFor(t, addr), logs: &bytes.Buffer{}}
			err := env.fetch(t, "http://"+addr+"/story")
			msg := UserMessage(err)
			if !strings.Contains(msg, tt.want) {
				t.Errorf("UserMessage = %q, want %q", msg, tt.want)
			}
			checkNoLeak(t, msg)
		})
	}
}

// TestFeedProblemsLeakNothing runs /feeds add's discovery over the safe
// client: a feed that redirects inside, a page whose feed link points
// inside, a feed whose port is closed and a feed with a hostile reason
// phrase are each described by kind only.
func TestFeedProblemsLeakNothing(t *testing.T) {
	dead := loopback.ClosedAddr(t)
	mux := http.NewServeMux()
	mux.Handle("/moved.xml", http.RedirectHandler("http://10.0.0.1/feed.xml", http.StatusMovedPermanently))
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<html><head><link rel="alternate" type="application/rss+xml" href="http://intranet.localhost/feed.xml"></head></html>`)
	})
	mux.HandleFunc("/dead-link", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<html><head><link rel="alternate" type="application/rss+xml" href="http://%s/feed.xml"></head></html>`, dead)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	raw := rawStatusServer(t, "500 "+evilPhrase, "text/html")

	tests := []struct {
		name, url, want string
		secrets         []string
	}{
		{"feed redirects to a private address", srv.URL + "/moved.xml", "the link points to a private or local address", []string{"10.0.0.1"}},
		{"page links a feed on a local name", srv.URL + "/page", "the page links a feed, but the link points to a private or local address", []string{"intranet"}},
		{"page links a feed that is down", srv.URL + "/dead-link", "the page links a feed, but the site could not be reached", []string{dead}},
		{"feed's port is closed", "http://" + dead + "/feed.xml", "could not be reached", []string{dead}},
		{"reason phrase", "http://" + raw + "/feed.xml", "HTTP 500 Internal Server Error", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			policy := policyFor(t, srv.Listener.Addr().String())
			for _, addr := range []string{dead, raw} {
				policy.AllowPorts = append(policy.AllowPorts, policyFor(t, addr).AllowPorts...)
			}
			_, _, _, err := feeds.Discover(context.Background(), article.NewClient(policy), tt.url)
			if err == nil {
				t.Fatal("discovery succeeded")
			}
			msg := FeedProblem(err)
			if !strings.Contains(msg, tt.want) {
				t.Errorf("FeedProblem = %q, want %q (err %v)", msg, tt.want, err)
			}
			checkNoLeak(t, msg, append(tt.secrets, "127.0.0.1", "localhost")...)
			for _, s := range tt.secrets {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("the error for the log lost %q: %v", s, err)
				}
			}
			var refused *article.RefusedError
			if errors.As(err, &refused) && strings.Contains(UserMessage(err), refused.Subject) {
				t.Errorf("UserMessage shows the refused %s", refused.Subject)
			}
		})
	}
}

// TestFeedTitleIsInternetText: a feed's title goes through the article
// sanitizing before /feeds add and /feeds list show it.
func TestFeedTitleIsInternetText(t *testing.T) {
	tests := []struct{ title, want string }{
		{evilPhrase + " **Outlet**", "@\u200beveryone <@\u200b123> click Outlet"},
		{"Krebs on Security", "Krebs on Security"},
		{"Line\none <https://evil.example/x>", "Line one <" + "(link removed)>"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := feedTitle(tt.title); got != tt.want {
			t.Errorf("feedTitle(%q) = %q, want %q", tt.title, got, tt.want)
		}
	}
	if n := len([]rune(feedTitle(strings.Repeat("long ", 100)))); n > maxFeedTitle {
		t.Errorf("a long title keeps %d runes, want at most %d", n, maxFeedTitle)
	}
}
