package gateway

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakediscord"
)

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
	srv := fakediscord.New(t, fakediscord.Options{}) // Discord's 41.25 s, on the fake clock
	r := start(t, srv, Options{})
	r.waitReady(t)
	// A beat sent before the previous one's ACK was read would make the
	// connection a zombie and resume it: the ACKs must be read. Each ACK is
	// on the wire before the message dispatched after it, so once that
	// message arrives the ACK was read, however slow the machine.
	for n := 1; n <= 4; n++ {
		r.beat(t, n)
		r.messageIDs(t, dispatchMessage(t, srv, fmt.Sprint("after beat ", n)))
	}
	if n, res := len(srv.Identifies()), srv.Resumes(); n != 1 || res != 0 || !r.alive() {
		t.Errorf("identifies = %d, resumes = %d, running %v; want one unbroken session", n, res, r.alive())
	}
	if asked := r.clock.Asked(); len(asked) != 5 || asked[1] != 41250*time.Millisecond || asked[0] > asked[1] {
		t.Errorf("heartbeat timers %v, want a first beat within the interval, then every 41.25s", asked)
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
