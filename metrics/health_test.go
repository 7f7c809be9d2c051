package metrics

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeStore answers Ping with err.
type fakeStore struct {
	mu  sync.Mutex
	err error
}

func (s *fakeStore) Ping(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *fakeStore) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

func TestHealth(t *testing.T) {
	m := New()
	store := &fakeStore{}
	h := m.Health(store, slog.New(slog.DiscardHandler))
	check := func(step string, wantCode int, wantBody string) {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		if rec.Code != wantCode || rec.Body.String() != wantBody+"\n" {
			t.Errorf("%s: %d %q, want %d %q", step, rec.Code, rec.Body.String(), wantCode, wantBody)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", step, ct)
		}
	}
	notReady := `{"status":"unavailable","reason":"discord gateway session not ready"}`
	check("before ready", 503, notReady)
	m.GatewayEvent("ready")
	check("ready", 200, `{"status":"ok"}`)
	m.GatewayEvent("lost")
	check("connection lost", 503, notReady)
	m.GatewayEvent("failed")
	check("reconnect attempt failed", 503, notReady)
	m.GatewayEvent("resumed")
	check("resumed", 200, `{"status":"ok"}`)
	store.fail(errors.New("sql: database is closed at /var/lib/secbrief/secbrief.db"))
	check("store closed", 503, `{"status":"unavailable","reason":"store not answering"}`)
	store.fail(nil)
	check("store back", 200, `{"status":"ok"}`)
}

// TestHealthLogsTheStoreErrorOnly: the cause goes to the log, never to the
// response (which may be reachable by more than the operator).
func TestHealthLogsTheStoreErrorOnly(t *testing.T) {
	m := New()
	m.GatewayEvent("ready")
	var log strings.Builder
	h := m.Health(&fakeStore{err: errors.New("disk I/O error at /srv/db")}, slog.New(slog.NewTextHandler(&log, nil)))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if strings.Contains(rec.Body.String(), "/srv/db") {
		t.Errorf("response reveals the error: %q", rec.Body.String())
	}
	if !strings.Contains(log.String(), "disk I/O error at /srv/db") {
		t.Errorf("log lacks the store's error: %q", log.String())
	}
}
