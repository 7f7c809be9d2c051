package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secbrief/secbrief/gateway"
	"github.com/secbrief/secbrief/internal/fakeclock"
	"github.com/secbrief/secbrief/internal/fakediscord"
	"github.com/secbrief/secbrief/internal/loopback"
)

// startupGuard bounds every wait of these tests; a failure guard, not a
// timer.
const startupGuard = 20 * time.Second

// gatewayEvents records what the bot tells its Observer of the gateway.
type gatewayEvents struct {
	mu     sync.Mutex
	events []string
}

func (g *gatewayEvents) Handled(string, string, time.Duration) {}

func (g *gatewayEvents) GatewayEvent(event string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.events = append(g.events, event)
}

func (g *gatewayEvents) list() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.events)
}

// runBot runs a bot with opts until ctx ends and returns Run's result on
// the channel.
func runBot(t *testing.T, opts Options, logs *syncBuffer, ctx context.Context) <-chan error {
	t.Helper()
	session, err := NewSession(opts)
	if err != nil {
		t.Fatal(err)
	}
	h := &fakeHandler{}
	b := New(session, h, opts, slog.New(slog.NewTextHandler(logs, nil)))
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	return done
}

// TestInvalidTokenEndsRun: a token Discord rejects, with 401 on GET
// /gateway/bot or with close code 4004 on IDENTIFY, ends Run at once with
// an error that says discord.token is invalid, never the token, after a
// single attempt.
func TestInvalidTokenEndsRun(t *testing.T) {
	t.Parallel()
	const badToken = "not-the-token-3c9f1e"
	cases := []struct {
		name       string
		origin     func(*fakediscord.Server) string
		identifies int
	}{
		{name: "401 on gateway/bot", origin: (*fakediscord.Server).URL},
		{name: "4004 on identify", origin: func(s *fakediscord.Server) string { return s.GatewayFront(t) }, identifies: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fakediscord.New(t, fakediscord.Options{})
			events := &gatewayEvents{}
			logs := &syncBuffer{}
			done := runBot(t, Options{Token: badToken, APIBaseURL: tc.origin(srv), Observer: events}, logs, t.Context())
			var err error
			select {
			case err = <-done:
			case <-time.After(startupGuard):
				t.Fatal("Run keeps going with a rejected token")
			}
			if err == nil || !strings.Contains(err.Error(), "discord.token is invalid") || !errors.Is(err, gateway.ErrInvalidToken) {
				t.Fatalf("Run = %v, want discord.token is invalid", err)
			}
			if strings.Contains(err.Error(), badToken) || strings.Contains(logs.String(), badToken) {
				t.Errorf("the token is shown:\n%v\n%s", err, logs.String())
			}
			if n := len(srv.Identifies()); n != tc.identifies {
				t.Errorf("%d IDENTIFYs, want %d", n, tc.identifies)
			}
			if ev := events.list(); slices.Contains(ev, "lost") || slices.Contains(ev, "failed") {
				t.Errorf("gateway events %q for a refused token", ev)
			}
		})
	}
}

// attemptLine matches the gateway's log line of one failed attempt.
var attemptLine = regexp.MustCompile(`msg="gateway connection attempt failed".* attempt=(\d+) .*retry_in=(\S+)`)

// TestUnreachableDiscordRetried: with nothing listening at
// discord.api_base_url, Run keeps trying past ReadyTimeout with a growing
// wait, logs each attempt once as a network problem at the URL dialled
// (not discord.com), reports no lost connection, and returns once its
// context ends. The clock is fake: the test moves it past each wait.
func TestUnreachableDiscordRetried(t *testing.T) {
	t.Parallel()
	origin := "http://" + loopback.ClosedAddr(t)
	clock := fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	events := &gatewayEvents{}
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := runBot(t, Options{Token: "some-token", APIBaseURL: origin, Observer: events, Clock: clock}, logs, ctx)

	guard, stop := context.WithTimeout(t.Context(), startupGuard)
	defer stop()
	// Seven attempts: their waits add up past ReadyTimeout (60s).
	var waits []time.Duration
	for n := 1; n <= 7; n++ {
		// ReadyTimeout's timer, then one wait per failed attempt.
		if err := clock.WaitAsked(guard, 1+n); err != nil {
			t.Fatalf("attempt %d: no wait started: %v\n%s", n, err, logs.String())
		}
		// The next attempt may be under way already (after a wait of 0).
		m := attemptLine.FindAllStringSubmatch(logs.String(), -1)
		if len(m) < n {
			t.Fatalf("after attempt %d the log has %d attempt lines:\n%s", n, len(m), logs.String())
		}
		wait, err := time.ParseDuration(m[n-1][2])
		if err != nil {
			t.Fatal(err)
		}
		waits = append(waits, wait)
		clock.Advance(wait)
	}
	if err := clock.WaitAsked(guard, 1+8); err != nil {
		t.Fatalf("no attempt after ReadyTimeout: %v\n%s", err, logs.String())
	}
	select {
	case err := <-done:
		t.Fatalf("Run gave up: %v\n%s", err, logs.String())
	default:
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel = %v, want nil", err)
		}
	case <-time.After(startupGuard):
		t.Fatal("Run did not return after its context ended")
	}

	if want := []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second}; !slices.Equal(waits, want) {
		t.Errorf("waits = %v, want %v", waits, want)
	}
	log := logs.String()
	m := attemptLine.FindAllStringSubmatch(log, -1)
	for i, a := range m {
		if a[1] != fmt.Sprint(i+1) {
			t.Fatalf("attempt lines numbered %q at line %d, want each attempt once, in order:\n%s", a[1], i+1, log)
		}
	}
	if len(m) < 8 {
		t.Errorf("%d attempts logged, want at least 8", len(m))
	}
	dialled := origin + "/api/v9/gateway/bot"
	for _, l := range strings.Split(log, "\n") {
		if attemptLine.MatchString(l) && (!strings.Contains(l, "network problem") || !strings.Contains(l, dialled)) {
			t.Errorf("attempt not reported as a network problem at %s:\n%s", dialled, l)
		}
	}
	if strings.Contains(log, "discord.com") {
		t.Errorf("the log names discord.com, which was never dialled:\n%s", log)
	}
	if strings.Contains(log, "connection lost") {
		t.Errorf("the log calls a connection never opened lost:\n%s", log)
	}
	if !strings.Contains(log, "not ready yet; still trying") {
		t.Errorf("no warning once ReadyTimeout passed:\n%s", log)
	}
	for _, e := range events.list() {
		if e != "failed" {
			t.Errorf("gateway event %q, want only failed", e)
		}
	}
}
