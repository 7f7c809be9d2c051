package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/internal/fakeclock"
	"github.com/secbrief/secbrief/internal/fakediscord"
)

// testCommands are registered so the fake dispatches their interactions.
func testCommands() []*discordgo.ApplicationCommand {
	return []*discordgo.ApplicationCommand{{Name: "summarize", Description: "Summarize an article", Options: []*discordgo.ApplicationCommandOption{
		{Type: discordgo.ApplicationCommandOptionString, Name: "url", Description: "Article URL"},
	}}}
}

// Intents the tests identify with: guilds and guild messages.
const testIntents = 1<<0 | 1<<9

// guard bounds every wait of a test; it is a failure guard, not a timer.
const guard = 15 * time.Second

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	t.Cleanup(cancel)
	return ctx
}

// running is a Conn whose Run is serving a fake Discord.
type running struct {
	srv    *fakediscord.Server
	clock  *fakeclock.Clock
	events chan Event
	cancel context.CancelFunc
	done   chan error
	// lost receives, at each lost connection or failed attempt, how many
	// timers the clock had made then: the next one is Run's wait before it
	// reconnects.
	lost chan int

	mu       sync.Mutex
	observed []string // what Run told Observe, in order
}

// observedEvents returns what Run told Observe so far.
func (r *running) observedEvents() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.observed...)
}

// start runs a Conn against srv on a fake clock, which only the test
// moves: no heartbeat falls due and no backoff ends by itself. Unset Token,
// URL, Intents and MaxBackoff are filled in; Dispatch and Observe are the
// test's. Every dispatch is checked to
// carry the next seq (1 on READY, a new session), so no event is lost,
// repeated or reordered. Run is cancelled and awaited when the test ends.
func start(t *testing.T, srv *fakediscord.Server, opts Options) *running {
	t.Helper()
	if opts.Token == "" {
		opts.Token = srv.Token()
	}
	if opts.URL == nil {
		opts.URL = func(context.Context) (string, error) { return srv.GatewayURL(), nil }
	}
	if opts.Intents == 0 {
		opts.Intents = testIntents
	}
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = 50 * time.Millisecond
	}
	logs := &lockedBuffer{}
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	r := &running{srv: srv, clock: fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
		events: make(chan Event, 1024), done: make(chan error, 1), lost: make(chan int, 1024)}
	opts.Clock = r.clock
	opts.Observe = func(event string) {
		r.mu.Lock()
		r.observed = append(r.observed, event)
		r.mu.Unlock()
		if event == "lost" || event == "failed" {
			r.lost <- len(r.clock.Asked())
		}
	}
	var last int64
	opts.Dispatch = func(e Event) {
		want := last + 1
		if e.Type == "READY" {
			want = 1
		}
		if e.Seq != want {
			t.Errorf("%s has seq %d, want %d", e.Type, e.Seq, want)
		}
		last = e.Seq
		select {
		case r.events <- e:
		default:
			t.Errorf("event buffer full, %s seq %d lost", e.Type, e.Seq)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	c := New(opts)
	go func() { r.done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(guard):
			t.Error("Run did not return after its context ended")
		}
		if strings.Contains(logs.String(), opts.Token) {
			t.Errorf("the log shows the token:\n%s", logs.String())
		}
	})
	return r
}

// lockedBuffer is a log sink safe for concurrent writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// next returns the next dispatch.
func (r *running) next(t *testing.T) Event {
	t.Helper()
	select {
	case e := <-r.events:
		return e
	case <-time.After(guard):
		t.Fatal("timed out waiting for a dispatch")
	case err := <-r.done:
		r.done <- err // for the cleanup
		select {
		case e := <-r.events: // dispatched before Run returned
			return e
		default:
			t.Fatalf("Run returned %v while a dispatch was awaited", err)
		}
	}
	panic("unreachable")
}

// advanceRetry waits for the next lost connection and for the wait Run
// then starts, moves the clock past that wait, and returns it.
func (r *running) advanceRetry(t *testing.T) time.Duration {
	t.Helper()
	var made int
	select {
	case made = <-r.lost:
	case <-time.After(guard):
		t.Fatal("no connection was lost")
	}
	if err := r.clock.WaitAsked(testCtx(t), made+1); err != nil {
		t.Fatalf("Run started no wait after the lost connection: %v", err)
	}
	wait := r.clock.Asked()[made]
	r.clock.Advance(wait)
	return wait
}

// beat moves the clock to the next heartbeat (the only timer while a
// connection is up) and waits until the fake has counted n heartbeats.
func (r *running) beat(t *testing.T, n int) {
	t.Helper()
	ctx := testCtx(t)
	if _, err := r.clock.AdvanceToNext(ctx); err != nil {
		t.Fatalf("no heartbeat timer: %v", err)
	}
	if err := r.srv.Wait(ctx, func() bool { return r.srv.Heartbeats() >= n }); err != nil {
		t.Fatalf("heartbeats = %d, want %d: %v", r.srv.Heartbeats(), n, err)
	}
}

// nextOf returns the next dispatch of type typ, skipping others.
func (r *running) nextOf(t *testing.T, typ string) Event {
	t.Helper()
	for {
		if e := r.next(t); e.Type == typ {
			return e
		}
	}
}

// result waits for Run to return.
func (r *running) result(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.done:
		r.done <- err // for the cleanup
		return err
	case <-time.After(guard):
		t.Fatal("Run did not return")
		return nil
	}
}

// alive reports whether Run has not returned.
func (r *running) alive() bool {
	select {
	case err := <-r.done:
		r.done <- err
		return false
	default:
		return true
	}
}

// ready is the part of READY the tests read.
type ready struct {
	SessionID string `json:"session_id"`
	ResumeURL string `json:"resume_gateway_url"`
	User      struct {
		ID string `json:"id"`
	} `json:"user"`
}

// waitReady returns the next READY, decoded.
func (r *running) waitReady(t *testing.T) ready {
	t.Helper()
	e := r.nextOf(t, "READY")
	var rd ready
	if err := json.Unmarshal(e.Data, &rd); err != nil {
		t.Fatalf("decode READY %s: %v", e.Data, err)
	}
	return rd
}

// idOf decodes the "id" of an event's data.
func idOf(t *testing.T, e Event) string {
	t.Helper()
	var d struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(e.Data, &d); err != nil {
		t.Fatalf("decode %s %s: %v", e.Type, e.Data, err)
	}
	return d.ID
}

// dispatchMessage sends a MESSAGE_CREATE and returns its id.
func dispatchMessage(t *testing.T, srv *fakediscord.Server, content string) string {
	t.Helper()
	m, err := srv.DispatchMessage(fakediscord.MessageSpec{Content: content})
	if err != nil {
		t.Fatalf("dispatch %q: %v", content, err)
	}
	return m.ID
}

// messageIDs reads dispatches until the MESSAGE_CREATE with id last and
// returns the ids of every MESSAGE_CREATE read.
func (r *running) messageIDs(t *testing.T, last string) []string {
	t.Helper()
	var ids []string
	for {
		id := idOf(t, r.nextOf(t, "MESSAGE_CREATE"))
		ids = append(ids, id)
		if id == last {
			return ids
		}
	}
}
