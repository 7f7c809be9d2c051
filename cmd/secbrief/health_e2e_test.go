package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/internal/fakediscord"
	"github.com/secbrief/secbrief/internal/fakellm"
	"github.com/secbrief/secbrief/storage"
)

// startUnready runs the bot as `secbrief run` does without waiting for
// READY, and returns it once the metrics endpoint serves.
func (h *harness) startUnready() *bot.Bot {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := openApp(ctx, h.cfg, newLogger(h.cfg, h.logs))
	if err != nil {
		cancel()
		h.t.Fatal(err)
	}
	b, dg, err := a.newBot()
	if err != nil {
		cancel()
		a.Close()
		h.t.Fatal(err)
	}
	h.app, h.dg, h.cancel, h.done = a, dg, cancel, make(chan error, 1)
	h.t.Cleanup(h.stop)
	go func() { h.done <- a.serveBot(ctx, b, dg) }()
	// serveBot sets metricsAddr before the endpoint logs that it serves;
	// the log's lock orders that write before this test's read.
	h.wait("metrics endpoint", func() bool { return strings.Contains(h.logs.String(), "serving metrics") })
	return b
}

// get returns the status and body of GET path on the metrics endpoint.
func (h *harness) get(path string) (int, string) {
	h.t.Helper()
	resp, err := http.Get("http://" + h.app.metricsAddr + path)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// TestHealthz: through `secbrief run`'s wiring, /healthz on metrics.listen
// says 503 until the gateway session is ready, 200 then, and 503 again
// once the store stops answering, each with a one-line JSON reason.
func TestHealthz(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.cfg.Metrics.Listen = "127.0.0.1:0"
	// Discord withholds the gateway URL until released: the bot cannot be
	// ready before.
	arrived, release := h.dc.Stall(http.MethodGet, "/gateway", 0)
	defer release()
	b := h.startUnready()
	select {
	case <-arrived:
	case <-time.After(30 * time.Second):
		t.Fatal("the bot never asked for the gateway")
	}
	check := func(step string, wantCode int, wantBody string) {
		t.Helper()
		code, body := h.get("/healthz")
		if code != wantCode || body != wantBody+"\n" {
			t.Errorf("%s: GET /healthz = %d %q, want %d %q", step, code, body, wantCode, wantBody)
		}
	}
	check("before READY", 503, `{"status":"unavailable","reason":"discord gateway session not ready"}`)

	release()
	select {
	case <-b.Ready():
	case err := <-h.done:
		t.Fatalf("bot stopped: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("bot not ready")
	}
	check("after READY", 200, `{"status":"ok"}`)

	if err := h.app.store.Close(); err != nil {
		t.Fatal(err)
	}
	check("store closed", 503, `{"status":"unavailable","reason":"store not answering"}`)
	if !strings.Contains(h.logs.String(), "store not answering") {
		t.Error("the failed store check is not in the log")
	}
}

// metricValue reads one series' value from the metrics endpoint (-1 when
// absent).
func (h *harness) metricValue(series string) float64 {
	h.t.Helper()
	_, body := h.get("/metrics")
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// TestLLMRequestCounters: `secbrief run` counts each LLM request attempt
// by outcome as /summarize meets a 5xx that is retried, a spent quota and
// a request the server refuses.
func TestLLMRequestCounters(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.cfg.Metrics.Listen = "127.0.0.1:0"
	h.cfg.LLM.MaxRetries = 1
	h.start()
	article := fmt.Sprintf(advisoryHTML, h.site.URL)
	steps := []struct {
		name  string
		reply fakellm.Response // the first reply; the usual summary follows
		want  map[string]float64
	}{
		{"5xx retried, then ok", fakellm.ServerError(503), map[string]float64{"ok": 1, "retry": 1, "error": 0, "quota": 0}},
		{"quota spent", fakellm.QuotaExceeded(), map[string]float64{"ok": 1, "retry": 1, "error": 0, "quota": 1}},
		{"request refused", fakellm.Response{Status: 400, ErrorType: "invalid_request_error"},
			map[string]float64{"ok": 1, "retry": 1, "error": 1, "quota": 1}},
	}
	for i, s := range steps {
		// A page of its own each time, so no summary comes from the cache.
		path := fmt.Sprintf("/advisory-%d", i)
		h.site.serve(path, "text/html", strings.ReplaceAll(article, "Acme", fmt.Sprintf("Acme%d", i)))
		h.llm.Enqueue(s.reply)
		h.settled(h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", h.site.URL+path))))
		for outcome, want := range s.want {
			series := `secbrief_llm_requests_total{outcome="` + outcome + `"}`
			// The handler reports itself done just after its last request:
			// wait for the count rather than race it.
			h.wait(s.name+": "+series, func() bool { return h.metricValue(series) >= want })
			if got := h.metricValue(series); got != want {
				t.Errorf("%s: %s = %v, want %v", s.name, series, got, want)
			}
		}
	}
}

// TestFeedPollCounters: `secbrief run` counts feed polls by outcome: the
// poller's first round at start, then /digest now's polls of a feed
// fetched, a broken one and one polled moments ago, and a second digest
// right after that leaves all three alone (fresh, backing off, fresh).
func TestFeedPollCounters(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.cfg.Metrics.Listen = "127.0.0.1:0"
	feedA, feedB := serveFeeds(h)
	// A feed the server follows before the bot starts, so the poller's
	// round at start has something to poll and the test can wait for it:
	// that round's polls don't race the ones below.
	h.site.serve("/feed-c.xml", "application/rss+xml", rss(h, "Outlet C", [2]string{"Widget Corp breach", "/widget"}))
	feedC := h.site.URL + "/feed-c.xml"
	store, err := storage.Open(t.Context(), h.cfg.Storage.Path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Subscribe(t.Context(), h.dc.GuildID(), feedC, "Outlet C"); err != nil {
		t.Fatal(err)
	}
	store.Close()
	h.start()
	series := func(outcome string) string { return `secbrief_feed_polls_total{outcome="` + outcome + `"}` }
	h.wait("the poll at start", func() bool { return h.metricValue(series("ok")) == 1 })

	for _, u := range []string{feedA, feedB} {
		h.settled(h.dispatch(feedsAdd(u)))
	}
	h.site.serve("/feed-b.xml", "application/rss+xml", "this is no longer a feed")
	check := func(step string, want map[string]float64) {
		t.Helper()
		for outcome, n := range want {
			if got := h.metricValue(series(outcome)); got != n {
				t.Errorf("%s: %s = %v, want %v", step, series(outcome), got, n)
			}
		}
	}
	h.settled(h.dispatch(digestCmd("now")))
	check("first digest", map[string]float64{"ok": 2, "error": 1, "skipped": 1, "not_modified": 0})
	h.settled(h.dispatch(digestCmd("now")))
	check("second digest", map[string]float64{"ok": 2, "error": 1, "skipped": 4, "not_modified": 0})
}
