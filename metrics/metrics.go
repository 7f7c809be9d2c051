// Package metrics exposes secbrief's operating figures in the Prometheus
// text format at /metrics: events handled and how long they took, the
// gateway connection's history, LLM requests and tokens, feed polls, and
// Go's runtime and process figures; and whether the process is healthy at
// /healthz. Nothing is registered globally: each Metrics has its own
// registry.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds secbrief's collectors.
type Metrics struct {
	reg      *prometheus.Registry
	handled  *prometheus.CounterVec
	duration *prometheus.HistogramVec
	gateway  *prometheus.CounterVec
	tokens   *prometheus.CounterVec
	llm      *prometheus.CounterVec
	polls    *prometheus.CounterVec
	// connected: the gateway session is up (READY or RESUMED seen since the
	// last lost connection), for /healthz.
	connected atomic.Bool
}

// The outcomes of one LLM request attempt (LLMRequest) and of one feed
// poll (FeedPoll). Each is a label value, pre-set to zero so a dashboard
// sees the series before the first event.
var (
	llmOutcomes  = []string{"ok", "retry", "error", "quota"}
	pollOutcomes = []string{"ok", "not_modified", "error", "skipped"}
)

// New returns Metrics with their own registry, the Go runtime and process
// collectors included.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "secbrief_events_handled_total",
			Help: "Discord events handled, by kind (interaction, message) and outcome (ok, error, panic).",
		}, []string{"kind", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "secbrief_event_handle_seconds",
			Help:    "How long an event's handler ran, by kind (interaction, message).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"kind"}),
		gateway: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "secbrief_gateway_events_total",
			Help: "Gateway connection history: ready (a new session), resumed, lost (a connection or an attempt ended).",
		}, []string{"event"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "secbrief_llm_tokens_total",
			Help: "LLM tokens spent, by type (prompt, completion).",
		}, []string{"type"}),
		llm: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "secbrief_llm_requests_total",
			Help: "LLM request attempts, by outcome: ok (answered), retry (failed, tried again), error (failed for good), quota (the account's quota is spent).",
		}, []string{"outcome"}),
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "secbrief_feed_polls_total",
			Help: "Feed polls, by outcome: ok (fetched and stored), not_modified (304), error (fetch, parse or store failed), skipped (disabled, backing off or just polled).",
		}, []string{"outcome"}),
	}
	for _, o := range llmOutcomes {
		m.llm.WithLabelValues(o)
	}
	for _, o := range pollOutcomes {
		m.polls.WithLabelValues(o)
	}
	m.reg.MustRegister(m.handled, m.duration, m.gateway, m.tokens, m.llm, m.polls,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handled records one handled event of kind with its outcome and duration.
func (m *Metrics) Handled(kind, outcome string, took time.Duration) {
	m.handled.WithLabelValues(kind, outcome).Inc()
	m.duration.WithLabelValues(kind).Observe(took.Seconds())
}

// GatewayEvent records a gateway connection event: ready, resumed, lost or
// failed (an attempt that opened no connection). /healthz reports the
// session up after ready or resumed, down after lost or failed.
func (m *Metrics) GatewayEvent(event string) {
	m.gateway.WithLabelValues(event).Inc()
	switch event {
	case "ready", "resumed":
		m.connected.Store(true)
	case "lost", "failed":
		m.connected.Store(false)
	}
}

// LLMRequest records the outcome of one LLM request attempt: ok, retry,
// error or quota.
func (m *Metrics) LLMRequest(outcome string) {
	m.llm.WithLabelValues(outcome).Inc()
}

// FeedPoll records the outcome of one feed poll: ok, not_modified, error or
// skipped.
func (m *Metrics) FeedPoll(outcome string) {
	m.polls.WithLabelValues(outcome).Inc()
}

// Tokens records LLM tokens spent.
func (m *Metrics) Tokens(prompt, completion int) {
	m.tokens.WithLabelValues("prompt").Add(float64(max(prompt, 0)))
	m.tokens.WithLabelValues("completion").Add(float64(max(completion, 0)))
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Serve serves /metrics and /healthz (asking store whether it answers) on
// ln until ctx ends.
func (m *Metrics) Serve(ctx context.Context, ln net.Listener, store Pinger, log *slog.Logger) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.Handle("GET /healthz", m.Health(store, log))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second}
	stop := context.AfterFunc(ctx, func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	})
	defer stop()
	log.Info("serving metrics", "addr", ln.Addr().String())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics server: %w", err)
	}
	return nil
}
