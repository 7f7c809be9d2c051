package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/secbrief/secbrief/internal/fakediscord"
	"github.com/secbrief/secbrief/internal/loopback"
)

// TestInvalidTokenFromURLEndsRun: a URL function that reports the token
// rejected (GET /gateway/bot answered 401) ends Run at once, without a
// retry and without a "lost" or "failed" connection.
func TestInvalidTokenFromURLEndsRun(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	var calls atomic.Int32
	r := start(t, srv, Options{URL: func(context.Context) (string, error) {
		calls.Add(1)
		return "", fmt.Errorf("GET http://127.0.0.1:1/api/v9/gateway/bot: 401 Unauthorized: %w", ErrInvalidToken)
	}})
	err := r.result(t)
	if !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("Run = %v, want ErrInvalidToken", err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("URL asked %d times, want 1", n)
	}
	if ev := r.observedEvents(); len(ev) != 0 {
		t.Errorf("observed %q, want nothing", ev)
	}
	if n := len(srv.Identifies()); n != 0 {
		t.Errorf("%d IDENTIFYs, want none", n)
	}
}

// TestUnreachableGatewayRetried: while nothing listens at the gateway URL,
// Run keeps trying with a growing wait, logs each attempt once as a network
// problem naming the URL dialled, calls none of them a lost connection, and
// returns once its context ends.
func TestUnreachableGatewayRetried(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	wsURL := "ws://" + loopback.ClosedAddr(t) + "/"
	logs := &lockedBuffer{}
	r := start(t, srv, Options{
		URL:        func(context.Context) (string, error) { return wsURL, nil },
		MaxBackoff: time.Hour,
		Log:        slog.New(slog.NewTextHandler(logs, nil)),
	})
	const attempts = 6
	var waits []time.Duration
	for range attempts {
		waits = append(waits, r.advanceRetry(t))
	}
	if want := []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second}; !slices.Equal(waits, want) {
		t.Errorf("waits between attempts = %v, want %v", waits, want)
	}
	r.cancel()
	if err := r.result(t); err != nil {
		t.Errorf("Run after cancel = %v, want nil", err)
	}

	log := logs.String()
	for n := 1; n <= attempts; n++ {
		var lines []string
		for _, l := range strings.Split(log, "\n") {
			if strings.Contains(l, fmt.Sprintf(" attempt=%d ", n)) {
				lines = append(lines, l)
			}
		}
		if len(lines) != 1 {
			t.Fatalf("attempt %d logged %d times, want once:\n%s", n, len(lines), log)
		}
		if l := lines[0]; !strings.Contains(l, "network problem") || !strings.Contains(l, strings.TrimSuffix(wsURL, "/")) {
			t.Errorf("attempt %d's line does not say network problem at %s:\n%s", n, wsURL, l)
		}
	}
	if strings.Contains(log, "connection lost") {
		t.Errorf("a connection never opened is called lost:\n%s", log)
	}
	for _, e := range r.observedEvents() {
		if e != "failed" {
			t.Errorf("observed %q for an attempt that never connected, want failed", e)
		}
	}
}

func TestDialError(t *testing.T) {
	const u = "ws://127.0.0.1:9/?v=10"
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	cases := []struct {
		name      string
		resp      *http.Response
		err       error
		want      []string
		wantNoNet bool
	}{
		{name: "refused", err: refused, want: []string{"network problem", u, "connection refused"}},
		{name: "not found", resp: &http.Response{Status: "404 Not Found"}, err: websocket.ErrBadHandshake,
			want: []string{u, "answered 404 Not Found"}, wantNoNet: true},
		{name: "other", err: errors.New("malformed ws or wss URL"), want: []string{u, "malformed"}, wantNoNet: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := dialError(u, tc.resp, tc.err).Error()
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("dialError = %q, want it to hold %q", got, w)
				}
			}
			if tc.wantNoNet && strings.Contains(got, "network problem") {
				t.Errorf("dialError = %q calls it a network problem", got)
			}
		})
	}
}
