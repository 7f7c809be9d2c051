package gateway

import (
	"context"
	"errors"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/secbrief/secbrief/internal/fakediscord"
)

// checkResumed checks that the connection came back on its first session:
// one IDENTIFY, at least one RESUME, and a message dispatched now arrives.
func checkResumed(t *testing.T, r *running) {
	t.Helper()
	if err := r.srv.WaitResumes(testCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	if n := len(r.srv.Identifies()); n != 1 {
		t.Errorf("identifies = %d, want 1: the session was resumed, not replaced", n)
	}
	id := dispatchMessage(t, r.srv, "after")
	if got := r.messageIDs(t, id); len(got) != 1 {
		t.Errorf("messages before %s: %q, want none", id, got[:len(got)-1])
	}
}

func TestResumeAfterDrop(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	r := start(t, srv, Options{})
	first := r.waitReady(t)
	before := dispatchMessage(t, srv, "before")
	if got := r.messageIDs(t, before); len(got) != 1 {
		t.Fatalf("messages = %q, want only %s", got, before)
	}
	if n := srv.DropConnection(); n != 1 {
		t.Fatalf("dropped %d connections, want 1", n)
	}
	// Dispatched while the client is away: replayed on RESUME.
	missed := []string{dispatchMessage(t, srv, "missed 1"), dispatchMessage(t, srv, "missed 2")}
	if err := srv.WaitResumes(testCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	after := dispatchMessage(t, srv, "after")
	// start's seq check fails the test on any repeated or skipped event.
	if got, want := r.messageIDs(t, after), append(missed, after); !slices.Equal(got, want) {
		t.Errorf("messages after the drop = %q, want %q once each", got, want)
	}
	if n := len(srv.Identifies()); n != 1 || srv.Readies() != 1 {
		t.Errorf("identifies = %d, readies = %d; want the session %s resumed", n, srv.Readies(), first.SessionID)
	}
	if srv.Sessions() != 1 {
		t.Errorf("sessions = %d, want 1", srv.Sessions())
	}
}

func TestReconnectRequested(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	r := start(t, srv, Options{})
	r.waitReady(t)
	if n := srv.RequestReconnect(); n != 1 {
		t.Fatalf("op 7 reached %d connections, want 1", n)
	}
	checkResumed(t, r)
}

func TestZombieReconnects(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	r := start(t, srv, Options{})
	r.waitReady(t)
	srv.WithholdAcks(true)
	r.beat(t, 1) // not acknowledged
	// The next beat of the interval finds the first unacknowledged.
	if _, err := r.clock.AdvanceToNext(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if d := r.advanceRetry(t); d != 0 {
		t.Errorf("waited %v to resume a connection that had worked, want 0", d)
	}
	if err := srv.WaitResumes(testCtx(t), 1); err != nil {
		t.Fatalf("no reconnect while heartbeats go unacknowledged: %v", err)
	}
	srv.WithholdAcks(false)
	checkResumed(t, r)
}

func TestInvalidSessionIdentifiesAgain(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	r := start(t, srv, Options{})
	first := r.waitReady(t)
	if n := srv.InvalidateSession(false); n != 1 {
		t.Fatalf("op 9 reached %d connections, want 1", n)
	}
	if d := r.advanceRetry(t); d < time.Second || d >= 5*time.Second {
		t.Errorf("waited %v after op 9, want 1–5 s as Discord asks", d)
	}
	second := r.waitReady(t) // start checks it restarts at seq 1
	if second.SessionID == "" || second.SessionID == first.SessionID {
		t.Errorf("session after op 9 = %q, want a new one (was %q)", second.SessionID, first.SessionID)
	}
	if n, res := len(srv.Identifies()), srv.Resumes(); n != 2 || res != 0 {
		t.Errorf("identifies = %d, resumes = %d; want 2 and 0", n, res)
	}
}

func TestCloseCodes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		code  int
		fatal bool
		fresh bool // a new IDENTIFY rather than a RESUME
	}{
		{name: "unknown error resumes", code: 4000},
		{name: "rate limited resumes", code: 4008},
		{name: "going away resumes", code: 1001},
		{name: "invalid seq identifies", code: 4007, fresh: true},
		{name: "session timed out identifies", code: 4009, fresh: true},
		{name: "authentication failed", code: 4004, fatal: true},
		{name: "invalid shard", code: 4010, fatal: true},
		{name: "sharding required", code: 4011, fatal: true},
		{name: "invalid version", code: 4012, fatal: true},
		{name: "invalid intents", code: 4013, fatal: true},
		{name: "disallowed intents", code: 4014, fatal: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fakediscord.New(t, fakediscord.Options{})
			r := start(t, srv, Options{})
			r.waitReady(t)
			if n := srv.CloseGateway(tc.code, tc.name); n != 1 {
				t.Fatalf("closed %d connections, want 1", n)
			}
			switch {
			case tc.fatal:
				err := r.result(t)
				var ce *CloseError
				if !errors.As(err, &ce) || ce.Code != tc.code || ce.Reason != tc.name {
					t.Fatalf("Run = %v, want *CloseError %d %q", err, tc.code, tc.name)
				}
				if got := errors.Is(err, ErrInvalidToken); got != (tc.code == 4004) {
					t.Errorf("errors.Is(%v, ErrInvalidToken) = %v", err, got)
				}
				if n, res := len(srv.Identifies()), srv.Resumes(); n != 1 || res != 0 {
					t.Errorf("identifies = %d, resumes = %d after a fatal close; want no retry", n, res)
				}
			case tc.fresh:
				if err := srv.Wait(testCtx(t), func() bool { return srv.Readies() == 2 }); err != nil {
					t.Fatalf("no new IDENTIFY after %d: %v", tc.code, err)
				}
				r.waitReady(t)
				if srv.Resumes() != 0 {
					t.Errorf("resumed after %d, which forbids it", tc.code)
				}
			default:
				checkResumed(t, r)
			}
		})
	}
}

func TestIdentifyRefused(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		srvOpts  fakediscord.Options
		opts     Options
		wantCode int
	}{
		{name: "bad token", opts: Options{Token: "wrong"}, wantCode: 4004},
		{name: "disallowed intent", srvOpts: fakediscord.Options{DisallowedIntents: fakediscord.IntentMessageContent},
			opts: Options{Intents: testIntents | fakediscord.IntentMessageContent}, wantCode: 4014},
		{name: "invalid shard", opts: Options{ShardID: 2, ShardCount: 2}, wantCode: 4010},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fakediscord.New(t, tc.srvOpts)
			r := start(t, srv, tc.opts)
			err := r.result(t)
			var ce *CloseError
			if !errors.As(err, &ce) || ce.Code != tc.wantCode {
				t.Fatalf("Run = %v, want *CloseError %d", err, tc.wantCode)
			}
			if got := errors.Is(err, ErrInvalidToken); got != (tc.wantCode == 4004) {
				t.Errorf("errors.Is(%v, ErrInvalidToken) = %v", err, got)
			}
			if n := len(srv.Identifies()); n != 1 || srv.Readies() != 0 {
				t.Errorf("identifies = %d, readies = %d; want one refused IDENTIFY and no retry", n, srv.Readies())
			}
		})
	}
}

func TestBackoffCapped(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	var mu sync.Mutex
	calls := 0
	unavailable := errors.New("gateway/bot unavailable")
	r := start(t, srv, Options{
		MaxBackoff: 10 * time.Millisecond,
		URL: func(context.Context) (string, error) {
			mu.Lock()
			defer mu.Unlock()
			if calls++; calls <= 3 {
				return "", unavailable
			}
			return srv.GatewayURL(), nil
		},
	})
	var waits []time.Duration
	for range 3 {
		waits = append(waits, r.advanceRetry(t))
	}
	r.waitReady(t)
	// Uncapped, the waits would be 0, 1 s and 2 s.
	if want := []time.Duration{0, 10 * time.Millisecond, 10 * time.Millisecond}; !slices.Equal(waits, want) {
		t.Errorf("waits before the retries = %v, want %v", waits, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 4 {
		t.Fatalf("URL asked %d times, want 4 (3 failures, then a session)", calls)
	}
}

func TestBadURLRetried(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	var mu sync.Mutex
	n := 0
	r := start(t, srv, Options{
		URL: func(context.Context) (string, error) {
			mu.Lock()
			defer mu.Unlock()
			if n++; n == 1 {
				return "https://" + srv.GatewayURL()[len("ws://"):], nil // not a websocket URL
			}
			return srv.GatewayURL(), nil
		},
	})
	r.waitReady(t)
	if len(srv.Identifies()) != 1 {
		t.Errorf("identifies = %d, want 1", len(srv.Identifies()))
	}
}

// TestRequestedBeatsAreNoZombie: heartbeats Discord asks for (op 1) do not
// make the connection a zombie while an earlier beat awaits its ACK; only
// the client's own interval does.
func TestRequestedBeatsAreNoZombie(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{HeartbeatInterval: time.Hour})
	r := start(t, srv, Options{})
	r.waitReady(t)
	srv.WithholdAcks(true)
	for n := 1; n <= 2; n++ {
		if got := srv.RequestHeartbeat(); got != 1 {
			t.Fatalf("op 1 reached %d connections, want 1", got)
		}
		// A zombie verdict would close the connection instead of beating.
		if err := srv.Wait(testCtx(t), func() bool { return srv.Heartbeats() >= n }); err != nil {
			t.Fatalf("requested heartbeat %d not sent: %v", n, err)
		}
	}
	if res := srv.Resumes(); res != 0 {
		t.Errorf("%d resumes: requested heartbeats made the connection a zombie", res)
	}
}

// TestUnreachableResumeHostStartsNewSession: when the resume host stays
// unreachable, the client gives the session up after a few attempts and
// identifies again at the gateway URL.
func TestUnreachableResumeHostStartsNewSession(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	// The gateway URL names the fake by "localhost", READY's resume URL by
	// 127.0.0.1: the dialer refuses the latter once the session is up.
	u, err := url.Parse(srv.GatewayURL())
	if err != nil {
		t.Fatal(err)
	}
	viaName := "ws://localhost:" + u.Port() + u.Path
	var refuse atomic.Bool
	d := *websocket.DefaultDialer
	d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if refuse.Load() && strings.HasPrefix(addr, "127.0.0.1:") {
			return nil, errors.New("resume host unreachable")
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	r := start(t, srv, Options{
		URL:        func(context.Context) (string, error) { return viaName, nil },
		Dialer:     &d,
		MaxBackoff: 10 * time.Millisecond,
	})
	first := r.waitReady(t)
	refuse.Store(true)
	srv.DropConnection()
	// The drop, then three refused resumes; the third gives the session up.
	var waits []time.Duration
	for range 4 {
		waits = append(waits, r.advanceRetry(t))
	}
	second := r.waitReady(t) // start checks the new session restarts at seq 1
	if want := []time.Duration{0, 10 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond}; !slices.Equal(waits, want) {
		t.Errorf("waits = %v, want %v", waits, want)
	}
	if second.SessionID == first.SessionID {
		t.Errorf("still session %s after the resume host stayed unreachable", first.SessionID)
	}
	if n, res := len(srv.Identifies()), srv.Resumes(); n != 2 || res != 0 {
		t.Errorf("identifies = %d, resumes = %d; want 2 and 0", n, res)
	}
}

// TestShortLivedConnectionsBackOff: a connection lost right after it came
// up does not reset the backoff, so a server that drops every connection
// is not redialled in a tight loop; the first loss is retried at once.
func TestShortLivedConnectionsBackOff(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	r := start(t, srv, Options{MaxBackoff: 20 * time.Millisecond})
	r.waitReady(t)
	var waits []time.Duration
	for n := 1; n <= 2; n++ {
		srv.DropConnection()
		waits = append(waits, r.advanceRetry(t))
		if err := srv.WaitResumes(testCtx(t), n); err != nil {
			t.Fatal(err)
		}
	}
	if want := []time.Duration{0, 20 * time.Millisecond}; !slices.Equal(waits, want) {
		t.Errorf("retry waits after two quick losses = %v, want %v", waits, want)
	}
}

// TestStableConnectionResetsBackOff: a connection that lasted
// stableConnection is retried at once when lost, whatever came before.
func TestStableConnectionResetsBackOff(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{HeartbeatInterval: time.Hour})
	r := start(t, srv, Options{MaxBackoff: 20 * time.Millisecond})
	r.waitReady(t)
	srv.DropConnection()
	r.advanceRetry(t) // at once: the first loss
	if err := srv.WaitResumes(testCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	srv.DropConnection()
	if d := r.advanceRetry(t); d != 20*time.Millisecond {
		t.Fatalf("second quick loss waited %v, want the backoff 20ms", d)
	}
	if err := srv.WaitResumes(testCtx(t), 2); err != nil {
		t.Fatal(err)
	}
	// Up for stableConnection on the clock (the hour's heartbeat does not
	// fall due), then lost: retried at once.
	r.clock.Advance(stableConnection)
	srv.DropConnection()
	if d := r.advanceRetry(t); d != 0 {
		t.Errorf("loss after a stable connection waited %v, want 0", d)
	}
	checkResumed(t, r)
}
