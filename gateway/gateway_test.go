package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
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
	events chan Event
	cancel context.CancelFunc
	done   chan error
}

// start runs a Conn against srv. Unset Token, URL, Intents and MaxBackoff
// are filled in; Dispatch is the test's. Every dispatch is checked to
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
	r := &running{srv: srv, events: make(chan Event, 1024), done: make(chan error, 1)}
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

func TestIdentifyAndReady(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		id, count int
		wantShard [2]int // as the fake records it; [0 1] when none is sent
	}{
		{name: "unsharded", wantShard: [2]int{0, 1}},
		{name: "one shard", id: 0, count: 1, wantShard: [2]int{0, 1}},
		{name: "shard 1 of 2", id: 1, count: 2, wantShard: [2]int{1, 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fakediscord.New(t, fakediscord.Options{})
			r := start(t, srv, Options{ShardID: tc.id, ShardCount: tc.count})
			rd := r.waitReady(t)
			if rd.SessionID == "" || rd.User.ID != srv.Bot().ID || rd.ResumeURL != srv.GatewayURL() {
				t.Errorf("READY = %+v, want a session of bot %s resuming at %s", rd, srv.Bot().ID, srv.GatewayURL())
			}
			ids := srv.Identifies()
			if len(ids) != 1 {
				t.Fatalf("identifies = %+v, want 1", ids)
			}
			id := ids[0]
			if id.Token != "Bot "+srv.Token() || id.Intents != testIntents || id.Shard != tc.wantShard || id.Compress || !id.Accepted {
				t.Errorf("IDENTIFY = %+v, want token %q, intents %d, shard %v", id, "Bot "+srv.Token(), testIntents, tc.wantShard)
			}
		})
	}
}

func TestIdentifyPayload(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		id, count int
		wantShard any
	}{
		{name: "no count", wantShard: nil},
		{name: "count 1", count: 1, wantShard: nil},
		{name: "shard 3 of 4", id: 3, count: 4, wantShard: [2]int{3, 4}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := New(Options{Token: "tok", Intents: 513, ShardID: tc.id, ShardCount: tc.count}).identify()
			if d["token"] != "Bot tok" || d["intents"] != 513 {
				t.Errorf("token %v intents %v, want \"Bot tok\" 513", d["token"], d["intents"])
			}
			if shard, ok := d["shard"]; tc.wantShard == nil && ok || tc.wantShard != nil && shard != tc.wantShard {
				t.Errorf("shard = %v (present %v), want %v", shard, ok, tc.wantShard)
			}
		})
	}
}

func TestEventsInOrder(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	rest := srv.NewSession(t)
	if _, err := rest.ApplicationCommandBulkOverwrite(srv.AppID(), srv.GuildID(), testCommands()); err != nil {
		t.Fatalf("register commands: %v", err)
	}
	r := start(t, srv, Options{})
	r.waitReady(t)
	if e := r.next(t); e.Type != "GUILD_CREATE" || idOf(t, e) != srv.GuildID() {
		t.Fatalf("after READY: %s %s, want GUILD_CREATE of %s", e.Type, e.Data, srv.GuildID())
	}
	var want []string
	for i := range 3 {
		want = append(want, "MESSAGE_CREATE "+dispatchMessage(t, srv, "m"+string(rune('a'+i))))
	}
	in, err := srv.DispatchInteraction(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", "https://example.com/a")))
	if err != nil {
		t.Fatalf("dispatch interaction: %v", err)
	}
	want = append(want, "INTERACTION_CREATE "+in.ID, "MESSAGE_CREATE "+dispatchMessage(t, srv, "last"))
	var got []string
	for range want {
		e := r.next(t)
		got = append(got, e.Type+" "+idOf(t, e))
	}
	if !slices.Equal(got, want) {
		t.Errorf("dispatches = %q, want %q", got, want)
	}
}

func TestHeartbeatsAcked(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{HeartbeatInterval: 150 * time.Millisecond})
	r := start(t, srv, Options{})
	r.waitReady(t)
	// A beat sent before the previous one's ACK would make the connection
	// a zombie and resume it: the ACKs must be read.
	if err := srv.Wait(testCtx(t), func() bool { return srv.Heartbeats() >= 4 }); err != nil {
		t.Fatalf("heartbeats = %d: %v", srv.Heartbeats(), err)
	}
	if n, res := len(srv.Identifies()), srv.Resumes(); n != 1 || res != 0 || !r.alive() {
		t.Errorf("identifies = %d, resumes = %d, running %v; want one unbroken session", n, res, r.alive())
	}
}

func TestHeartbeatRequested(t *testing.T) {
	t.Parallel()
	// An hour's interval: no beat falls due during the test by itself.
	srv := fakediscord.New(t, fakediscord.Options{HeartbeatInterval: time.Hour})
	r := start(t, srv, Options{})
	r.waitReady(t)
	before := srv.Heartbeats()
	if n := srv.RequestHeartbeat(); n != 1 {
		t.Fatalf("op 1 reached %d connections, want 1", n)
	}
	if err := srv.Wait(testCtx(t), func() bool { return srv.Heartbeats() > before }); err != nil {
		t.Fatalf("no heartbeat after op 1: %v", err)
	}
}

func TestCancelClosesCleanly(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	r := start(t, srv, Options{})
	r.waitReady(t)
	if n := srv.Sessions(); n != 1 {
		t.Fatalf("sessions = %d, want 1", n)
	}
	r.cancel()
	if err := r.result(t); err != nil {
		t.Errorf("Run = %v, want nil after cancel", err)
	}
	// Only a close with 1000 or 1001 ends the session on the fake.
	if err := srv.Wait(testCtx(t), func() bool { return srv.Sessions() == 0 }); err != nil {
		t.Errorf("session not ended by a clean close: %v", err)
	}
	if n := len(srv.Identifies()); n != 1 || srv.Resumes() != 0 {
		t.Errorf("identifies = %d, resumes = %d after cancel; want 1 and 0", n, srv.Resumes())
	}
}

func TestGatewayURL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, want string
		wantErr        bool
	}{
		{name: "discord", in: "wss://gateway.discord.gg", want: "wss://gateway.discord.gg/?encoding=json&v=10"},
		{name: "path kept", in: "ws://127.0.0.1:4000/ws", want: "ws://127.0.0.1:4000/ws?encoding=json&v=10"},
		{name: "query merged, version replaced", in: "wss://g.example/?v=9&compress=zlib-stream",
			want: "wss://g.example/?compress=zlib-stream&encoding=json&v=10"},
		{name: "https refused", in: "https://gateway.discord.gg", wantErr: true},
		{name: "no scheme", in: "gateway.discord.gg", wantErr: true},
		{name: "no host", in: "wss:///ws", wantErr: true},
		{name: "empty", in: "", wantErr: true},
		{name: "unparsable", in: "ws://[::1", wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := gatewayURL(tc.in)
			if tc.wantErr {
				if err == nil {
					t.Errorf("gatewayURL(%q) = %q, want an error", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("gatewayURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestCloseErrorMessage(t *testing.T) {
	t.Parallel()
	var err error = &CloseError{Code: 4014, Reason: "Disallowed intent(s)."}
	var ce *CloseError
	if !errors.As(fmt.Errorf("run: %w", err), &ce) || ce.Code != 4014 {
		t.Fatalf("errors.As through a wrap: %v", ce)
	}
	if got, want := err.Error(), "discord closed the gateway with 4014 Disallowed intent(s)."; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
