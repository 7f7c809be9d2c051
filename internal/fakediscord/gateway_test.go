package fakediscord

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// testCtx bounds every wait of a test; it is a failure guard, not a timer.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// open connects a real discordgo session; setup runs before Open.
func open(t *testing.T, srv *Server, setup func(*discordgo.Session)) *discordgo.Session {
	t.Helper()
	sess := srv.NewSession(t)
	if setup != nil {
		setup(sess)
	}
	if err := sess.Open(); err != nil {
		t.Fatalf("open: %v", err)
	}
	if err := srv.WaitReady(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	return sess
}

// recv takes one value from ch or fails the test.
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(15 * time.Second):
		t.Fatalf("timed out waiting for %T", *new(T))
		panic("unreachable")
	}
}

func TestReadyAndGuildCreate(t *testing.T) {
	t.Parallel()
	srv := New(t, Options{Guilds: 2})
	type ready struct{ userID, appID, sessionID string }
	readies := make(chan ready, 1)
	// The raw READY: discordgo's state rewrites the guild stubs in place
	// when GUILD_CREATE arrives, so the typed event cannot be read later.
	raws := make(chan *discordgo.Ready, 1)
	guilds := make(chan string, 2)
	open(t, srv, func(s *discordgo.Session) {
		s.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages
		s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
			if r.User.Bot {
				readies <- ready{r.User.ID, r.Application.ID, r.SessionID}
			}
		})
		s.AddHandler(func(_ *discordgo.Session, e *discordgo.Event) {
			if e.Type == "READY" {
				var r discordgo.Ready
				if err := json.Unmarshal(e.RawData, &r); err != nil {
					t.Error(err)
				}
				raws <- &r
			}
		})
		s.AddHandler(func(_ *discordgo.Session, g *discordgo.GuildCreate) { guilds <- g.ID })
	})
	if r := recv(t, readies); r.userID != srv.Bot().ID || r.appID != srv.AppID() || r.sessionID == "" {
		t.Errorf("READY = %+v, want bot %s application %s", r, srv.Bot().ID, srv.AppID())
	}
	if r := recv(t, raws); len(r.Guilds) != 2 || !r.Guilds[0].Unavailable || !r.Guilds[1].Unavailable {
		t.Errorf("READY guilds = %+v, want 2 unavailable stubs", r.Guilds)
	}
	seen := map[string]bool{recv(t, guilds): true, recv(t, guilds): true}
	for _, g := range srv.GuildIDs() {
		if !seen[g] {
			t.Errorf("no GUILD_CREATE for %s", g)
		}
	}
	ids := srv.Identifies()
	if len(ids) != 1 || ids[0].Token != "Bot fake-token" || !ids[0].Accepted ||
		ids[0].Intents != int(discordgo.IntentsGuilds|discordgo.IntentsGuildMessages) || ids[0].Shard != [2]int{0, 1} {
		t.Errorf("identifies = %+v", ids)
	}
}

func TestIdentifyRefused(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		opts  Options
		setup func(*discordgo.Session)
	}{
		{name: "bad token", setup: func(s *discordgo.Session) { s.Identify.Token = "Bot wrong" }},
		{name: "disallowed intent", opts: Options{DisallowedIntents: IntentMessageContent},
			setup: func(s *discordgo.Session) { s.Identify.Intents |= discordgo.IntentMessageContent }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := New(t, tc.opts)
			sess := srv.NewSession(t)
			if tc.setup != nil {
				tc.setup(sess)
			}
			sess.ShouldReconnectOnError = false
			if err := sess.Open(); err == nil {
				t.Fatal("Open succeeded, want the gateway to close the connection")
			}
			ids := srv.Identifies()
			if len(ids) != 1 || ids[0].Accepted || srv.Readies() != 0 {
				t.Errorf("identifies = %+v, readies = %d", ids, srv.Readies())
			}
		})
	}
}

func TestHeartbeatsAcked(t *testing.T) {
	t.Parallel()
	srv := New(t, Options{HeartbeatInterval: 200 * time.Millisecond})
	// See Options.HeartbeatInterval: no reconnect racing Close at cleanup.
	sess := open(t, srv, func(s *discordgo.Session) { s.ShouldReconnectOnError = false })
	if err := srv.Wait(testCtx(t), func() bool { return srv.Heartbeats() >= 2 }); err != nil {
		t.Fatal(err)
	}
	sess.RLock()
	acked := sess.LastHeartbeatAck.After(sess.LastHeartbeatSent.Add(-time.Second))
	sess.RUnlock()
	if !acked {
		t.Error("discordgo saw no heartbeat ACK")
	}
}

func TestDropConnectionResumes(t *testing.T) {
	t.Parallel()
	srv := New(t, Options{})
	got := make(chan *discordgo.MessageCreate, 4)
	open(t, srv, func(s *discordgo.Session) {
		s.SyncEvents = true // handlers in arrival order, to check the replay order
		s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { got <- m })
	})
	if n := srv.DropConnection(); n != 1 {
		t.Fatalf("dropped %d connections, want 1", n)
	}
	// Dispatched while discordgo is away: must be replayed on RESUME.
	missed, err := srv.DispatchMessage(MessageSpec{Content: "while away"})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitResumes(testCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	after, err := srv.DispatchMessage(MessageSpec{Content: "after resume"})
	if err != nil {
		t.Fatal(err)
	}
	if m := recv(t, got); m.ID != missed.ID {
		t.Errorf("first event %s, want the missed message %s", m.ID, missed.ID)
	}
	if m := recv(t, got); m.ID != after.ID {
		t.Errorf("second event %s, want %s", m.ID, after.ID)
	}
	if n := len(srv.Identifies()); n != 1 || srv.Resumes() != 1 {
		t.Errorf("identifies = %d, resumes = %d; want 1 and 1", n, srv.Resumes())
	}
}

func TestMessageContentIntent(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		intents  discordgo.Intent
		content  func(srv *Server) string
		wantBody bool
	}{
		{"no intent, plain", discordgo.IntentsAllWithoutPrivileged, func(*Server) string { return "hello" }, false},
		{"no intent, mentions bot", discordgo.IntentsAllWithoutPrivileged, func(s *Server) string { return "<@" + s.Bot().ID + "> hi" }, true},
		{"intent, plain", discordgo.IntentsAllWithoutPrivileged | discordgo.IntentMessageContent, func(*Server) string { return "hello" }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := New(t, Options{})
			got := make(chan *discordgo.MessageCreate, 1)
			open(t, srv, func(s *discordgo.Session) {
				s.Identify.Intents = tc.intents
				s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { got <- m })
			})
			content := tc.content(srv)
			if _, err := srv.DispatchMessage(MessageSpec{Content: content}); err != nil {
				t.Fatal(err)
			}
			m := recv(t, got)
			if (m.Content == content) != tc.wantBody {
				t.Errorf("content %q delivered as %q, want delivered=%v", content, m.Content, tc.wantBody)
			}
			if m.Author.ID != srv.DefaultUser().ID || m.GuildID != srv.GuildID() || m.Member == nil {
				t.Errorf("author %+v guild %q member %+v", m.Author, m.GuildID, m.Member)
			}
		})
	}
}
