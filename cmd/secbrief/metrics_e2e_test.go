package main

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"github.com/secbrief/secbrief/internal/fakediscord"
)

// TestMetricsEndpoint: with metrics.listen set, `secbrief run` serves
// /metrics, and a summary shows up in it: the interaction handled, the
// gateway session, the LLM tokens spent.
func TestMetricsEndpoint(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.cfg.Metrics.Listen = "127.0.0.1:0"
	h.start()
	st := h.settled(h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", h.site.URL+"/advisory"))))
	if st.Original == nil || len(st.Original.Embeds) != 1 {
		t.Fatalf("summary not delivered: %+v", st)
	}
	if h.app.metricsAddr == "" {
		t.Fatal("no metrics endpoint although metrics.listen is set")
	}
	var body string
	value := func(series string) float64 {
		m := regexp.MustCompile(regexp.QuoteMeta(series) + ` (\S+)`).FindStringSubmatch(body)
		if m == nil {
			return -1
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	// The handler reports itself done just after its last request: wait
	// for the count rather than race it.
	h.wait("the summary counted", func() bool {
		resp, err := http.Get("http://" + h.app.metricsAddr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /metrics: %d, %v", resp.StatusCode, err)
		}
		body = string(b)
		return value(`secbrief_events_handled_total{kind="interaction",outcome="ok"}`) >= 1
	})
	if v := value(`secbrief_gateway_events_total{event="ready"}`); v != 1 {
		t.Errorf("gateway ready = %v, want 1", v)
	}
	if v := value(`secbrief_llm_tokens_total{type="prompt"}`); v <= 0 {
		t.Errorf("LLM prompt tokens = %v, want the summary's", v)
	}
}
