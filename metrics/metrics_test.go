package metrics

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// scrape returns what GET /metrics serves.
func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d, %v", url, resp.StatusCode, err)
	}
	return string(body)
}

func TestServeReportsWhatWasRecorded(t *testing.T) {
	m := New()
	m.Handled("interaction", "ok", 40*time.Millisecond)
	m.Handled("interaction", "ok", 2*time.Second)
	m.Handled("interaction", "panic", time.Millisecond)
	m.Handled("message", "error", time.Millisecond)
	m.GatewayEvent("ready")
	m.GatewayEvent("lost")
	m.GatewayEvent("resumed")
	m.Tokens(1200, 300)
	m.Tokens(800, -1) // a negative count is no count
	m.LLMRequest("retry")
	m.LLMRequest("ok")
	m.LLMRequest("quota")
	m.FeedPoll("not_modified")
	m.FeedPoll("not_modified")
	m.FeedPoll("skipped")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Serve(ctx, ln, &fakeStore{}, slog.New(slog.DiscardHandler)) }()
	got := scrape(t, "http://"+ln.Addr().String()+"/metrics")
	for _, want := range []string{
		`secbrief_events_handled_total{kind="interaction",outcome="ok"} 2`,
		`secbrief_events_handled_total{kind="interaction",outcome="panic"} 1`,
		`secbrief_events_handled_total{kind="message",outcome="error"} 1`,
		`secbrief_event_handle_seconds_bucket{kind="interaction",le="0.05"} 2`,
		`secbrief_event_handle_seconds_count{kind="interaction"} 3`,
		`secbrief_gateway_events_total{event="ready"} 1`,
		`secbrief_gateway_events_total{event="resumed"} 1`,
		`secbrief_gateway_events_total{event="lost"} 1`,
		`secbrief_llm_tokens_total{type="prompt"} 2000`,
		`secbrief_llm_tokens_total{type="completion"} 300`,
		`secbrief_llm_requests_total{outcome="ok"} 1`,
		`secbrief_llm_requests_total{outcome="retry"} 1`,
		`secbrief_llm_requests_total{outcome="quota"} 1`,
		`secbrief_llm_requests_total{outcome="error"} 0`, // present before the first error
		`secbrief_feed_polls_total{outcome="not_modified"} 2`,
		`secbrief_feed_polls_total{outcome="skipped"} 1`,
		`secbrief_feed_polls_total{outcome="ok"} 0`,
		`secbrief_feed_polls_total{outcome="error"} 0`,
		`go_goroutines `,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// The session resumed after it was lost, the store answers: healthy.
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz: %d, want 200", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after its context ended: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
}
