package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/storage"
)

// brokenFeeds serves feeds that fail in different ways and returns their
// addresses (with the reason each must be reported with) and the ports to
// allow. One is on a port nothing listens on, one on a port the fetch
// policy does not allow.
func brokenFeeds(t *testing.T) (map[string]string, []string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/500.xml":
			http.Error(w, "boom", http.StatusInternalServerError)
		case "/page.html":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><body><p>Not a feed at all.</p></body></html>")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/feed.xml"
	l.Close()
	notAllowed := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notAllowed.Close)
	feeds := map[string]string{
		srv.URL + "/500.xml":                "HTTP 500",
		srv.URL + "/404.xml":                "HTTP 404",
		srv.URL + "/page.html":              "feed",
		closed:                              "refused",
		notAllowed.URL + "/not-allowed.xml": "port",
	}
	return feeds, []string{port(t, srv.URL), port(t, closed)}
}

func port(t *testing.T, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

// digestConfig writes a terminal digest configuration over feedURLs, with
// llmYAML under llm: (see fakeLLM), and returns its path and the database
// path.
func digestConfig(t *testing.T, h *harness, feedURLs []string, ports []string, llmYAML string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	cfgPath, dbPath := filepath.Join(dir, "config.yaml"), filepath.Join(dir, "secbrief.db")
	ports = append(ports, port(t, h.site.URL))
	body := fmt.Sprintf("llm:\n  max_retries: 0\n%sstorage:\n  path: %s\nfetch:\n  allow_networks: [127.0.0.0/8]\n  allow_ports: [%s]\n  timeout: 5s\nfeeds:\n  max_failures: 1\n  defaults: [%s]\nlog:\n  level: error\n",
		llmYAML, dbPath, strings.Join(ports, ", "), strings.Join(feedURLs, ", "))
	if err := os.WriteFile(cfgPath, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfgPath, dbPath
}

// fakeLLM is the llm: settings of h's fake LLM server.
func fakeLLM(h *harness) string {
	return "  base_url: " + h.llm.URL() + "\n  api_key: k-123456\n"
}

// TestDigestAllFeedsFailing: when no feed can be read, the digest says
// which and why, on stdout, and the process exits 1 with one line on
// stderr, instead of "Nothing new".
func TestDigestAllFeedsFailing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	broken, ports := brokenFeeds(t)
	var urls []string
	for u := range broken {
		urls = append(urls, u)
	}
	cfg, _ := digestConfig(t, h, urls, ports, fakeLLM(h))
	code, out, errOut := runProcess(t, "", "digest", "-config", cfg, "-dry-run")
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr %q\n%s", code, errOut, out)
	}
	if strings.Contains(out, "Nothing new") {
		t.Errorf("all feeds failed, yet the output says nothing is new:\n%s", out)
	}
	if !strings.Contains(out, fmt.Sprintf("Feeds that could not be read: %d of %d", len(urls), len(urls))) {
		t.Errorf("output lacks the count of failed feeds:\n%s", out)
	}
	for u, reason := range broken {
		line := lineWith(out, "<"+u+">")
		if line == "" || !strings.Contains(line, reason) {
			t.Errorf("feed %s: line %q, want it listed with %q\n%s", u, line, reason, out)
		}
	}
	if want := fmt.Sprintf("secbrief digest: none of the %d feeds could be read", len(urls)); !strings.HasPrefix(errOut, want) || strings.Count(errOut, "\n") != 1 {
		t.Errorf("stderr %q, want one line starting %q", errOut, want)
	}
	if h.llm.Calls() != 0 {
		t.Errorf("%d LLM calls with no items", h.llm.Calls())
	}
}

func lineWith(text, s string) string {
	for line := range strings.Lines(text) {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}

// TestDigestSomeFeedsFailing: the digest of the feeds that answered, then
// the ones that did not; exit 0. With nothing new, the count says how many
// feeds were read.
func TestDigestSomeFeedsFailing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	feedA, feedB := serveFeeds(h)
	broken, ports := brokenFeeds(t)
	var bad string
	for u, reason := range broken {
		if reason == "HTTP 500" {
			bad = u
		}
	}
	cfg, _ := digestConfig(t, h, []string{feedA, feedB, bad}, ports, fakeLLM(h))
	code, out, errOut := runCLI(t, "", "digest", "-config", cfg, "-dry-run")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	digestAt, failedAt := strings.Index(out, "Acme Gateway flaw"), strings.Index(out, "Feeds that could not be read: 1 of 3")
	if digestAt < 0 || failedAt < digestAt || !strings.Contains(lineWith(out, "<"+bad+">"), "HTTP 500") {
		t.Errorf("want the digest, then the failed feed with its reason:\n%s", out)
	}

	// Nothing published within -since: said, with the count of feeds read.
	code, out, _ = runCLI(t, "", "digest", "-config", cfg, "-dry-run", "-since", "1m")
	if code != 0 || !strings.Contains(out, "Nothing new in the last 1m0s from the 2 of 3 feeds that could be read.") || !strings.Contains(out, "<"+bad+">") {
		t.Errorf("nothing new: exit %d\n%s", code, out)
	}
}

// TestDigestNoLLM: -no-llm prints the digest by headlines and first
// sentences without an LLM call, and needs no API key where the digest
// needs one otherwise.
func TestDigestNoLLM(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	feedA, feedB := serveFeeds(h)
	cfg, _ := digestConfig(t, h, []string{feedA, feedB}, nil, "  base_url: "+h.llm.URL()+"\n")
	code, out, errOut := runCLI(t, "", "digest", "-config", cfg, "-dry-run", "-no-llm")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"Acme Gateway flaw CVE-2026-12345", "Widget Corp", "Also covered by", "Not summarized"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "authentication bypass") {
		t.Errorf("output holds the LLM's summary:\n%s", out)
	}
	if h.llm.Calls() != 0 || h.site.Fetches("/widget") != 0 {
		t.Errorf("-no-llm made %d LLM calls and fetched the article page %d times", h.llm.Calls(), h.site.Fetches("/widget"))
	}
	// The same digest without -no-llm is summarized.
	if code, out, errOut := runCLI(t, "", "digest", "-config", cfg, "-dry-run"); code != 0 || !strings.Contains(out, "authentication bypass") || h.llm.Calls() == 0 {
		t.Errorf("without -no-llm: exit %d, stderr %q, %d LLM calls\n%s", code, errOut, h.llm.Calls(), out)
	}

	// OpenAI's API without a key: the digest refuses to start unless it
	// is -no-llm. (-since 1m leaves no item to summarize, so nothing could
	// reach OpenAI even if -no-llm were broken.)
	openAI, _ := digestConfig(t, h, []string{feedA}, nil, "  base_url: https://api.openai.com/v1\n")
	if code, _, errOut := runCLI(t, "", "digest", "-config", openAI, "-dry-run", "-since", "1m"); code != 1 || !strings.Contains(errOut, "llm.api_key") {
		t.Errorf("no key, no -no-llm: exit %d, stderr %q; want llm.api_key required", code, errOut)
	}
	if code, out, errOut := runCLI(t, "", "digest", "-config", openAI, "-dry-run", "-since", "1m", "-no-llm"); code != 0 || !strings.Contains(out, "Nothing new") {
		t.Errorf("no key, -no-llm: exit %d, stderr %q\n%s", code, errOut, out)
	}
}

// TestTerminalDigestKeepsItsOwnFeedState: the feeds of a Discord server in
// the same store are fetched by the terminal digest whatever their state
// (backing off, disabled), and the digest leaves that state, and the
// stored items, exactly as they were, even for a feed that fails (with
// feeds.max_failures 1, a shared poll would disable it). Subscriptions an
// earlier version left for the pseudo guild are removed.
func TestTerminalDigestKeepsItsOwnFeedState(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	feedA, feedB := serveFeeds(h)
	broken, ports := brokenFeeds(t)
	var bad string
	for u, reason := range broken {
		if reason == "HTTP 404" {
			bad = u
		}
	}
	cfg, dbPath := digestConfig(t, h, []string{feedA, feedB, bad}, ports, fakeLLM(h))
	ctx := context.Background()
	const guild = "111111111111111111"
	now := time.Now().UTC().Truncate(time.Second)
	st, err := storage.Open(ctx, dbPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{feedA, feedB, bad} {
		if _, err := st.Subscribe(ctx, guild, u, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Subscribe(ctx, terminalGuild, bad, ""); err != nil { // left by a killed run
		t.Fatal(err)
	}
	shared := []news.FeedState{
		{URL: feedA, Failures: 3, NextPollAt: now.Add(12 * time.Hour), LastError: "backing off", LastPolledAt: now.Add(-time.Hour)},
		{URL: feedB, Failures: 5, DisabledAt: now.Add(-time.Hour), LastError: "disabled", LastPolledAt: now.Add(-time.Hour)},
		{URL: bad, LastPolledAt: now.Add(-time.Minute), NextPollAt: now.Add(time.Hour)},
	}
	for _, s := range shared {
		if err := st.SaveFeedState(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	before := feedStates(t, st, feedA, feedB, bad)
	st.Close()

	code, out, errOut := runCLI(t, "", "digest", "-config", cfg, "-dry-run")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "Acme Gateway flaw") || !strings.Contains(out, "Widget Corp") || !strings.Contains(lineWith(out, "<"+bad+">"), "404") {
		t.Errorf("the backed-off and disabled feeds were not read, or the failure not listed:\n%s", out)
	}

	st, err = storage.Open(ctx, dbPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if after := feedStates(t, st, feedA, feedB, bad); !reflect.DeepEqual(after, before) {
		t.Errorf("shared feed state changed:\nbefore %+v\nafter  %+v", before, after)
	}
	for _, u := range []string{feedA, feedB} {
		if items, err := st.FeedItems(ctx, u); err != nil || len(items) != 0 {
			t.Errorf("feed %s: %d items stored in the shared store (%v), want none", u, len(items), err)
		}
	}
	if left, err := st.GuildFeeds(ctx, terminalGuild); err != nil || len(left) != 0 {
		t.Errorf("pseudo guild subscriptions left: %+v, %v", left, err)
	}
	if feeds, err := st.GuildFeeds(ctx, guild); err != nil || len(feeds) != 3 {
		t.Errorf("the server's feeds: %+v, %v", feeds, err)
	}
}

func feedStates(t *testing.T, st *storage.Store, urls ...string) []news.FeedState {
	t.Helper()
	var out []news.FeedState
	for _, u := range urls {
		s, err := st.FeedState(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}
