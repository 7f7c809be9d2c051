package bot

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/internal/fakediscord"
)

// fakeHandler is a Handler with one command, ping, whose Handle the test
// sets (nil: it answers "pong").
type fakeHandler struct {
	handle  func(ctx context.Context, req Request) (Response, error)
	handled atomic.Int32
	self    atomic.Value
}

func (h *fakeHandler) Commands() []Command {
	return []Command{{
		Definition: &discordgo.ApplicationCommand{Name: "ping", Description: "ping"},
		Handle: func(ctx context.Context, req Request) (Response, error) {
			defer h.handled.Add(1)
			if h.handle == nil {
				return Response{Content: "pong"}, nil
			}
			return h.handle(ctx, req)
		},
	}}
}

func (h *fakeHandler) HandleMessage(context.Context, *discordgo.Message) (Response, error) {
	return Response{}, nil
}
func (h *fakeHandler) UserMessage(err error) string { return "failed" }
func (h *fakeHandler) Refused(error) bool           { return false }
func (h *fakeHandler) SetSelf(id string)            { h.self.Store(id) }

// holdingHandler is a fakeHandler whose ping waits until release is closed,
// leaving the interaction to the test's own calls meanwhile.
func holdingHandler(t *testing.T) *fakeHandler {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	return &fakeHandler{handle: func(ctx context.Context, _ Request) (Response, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return Response{}, errors.New("held")
	}}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startBot runs a bot with h against srv and returns a stop function that
// reports Run's error.
func startBot(t *testing.T, srv *fakediscord.Server, h Handler, opts Options, logs *syncBuffer) (*Bot, func() error) {
	t.Helper()
	opts.Token = srv.Token()
	opts.APIBaseURL = srv.URL()
	session, err := NewSession(opts)
	if err != nil {
		t.Fatal(err)
	}
	b := New(session, h, opts, slog.New(slog.NewTextHandler(logs, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(15 * time.Second):
			t.Fatal("Run did not return")
			return nil
		}
	}
	return b, stop
}

// serving starts a bot for h on srv's guild with opts, waits until it is
// ready and its commands are registered, and returns it with a context
// that bounds the test's waits. The bot stops when the test ends.
func serving(t *testing.T, srv *fakediscord.Server, h Handler, opts Options) (*Bot, context.Context) {
	t.Helper()
	opts.GuildID = srv.GuildID()
	b, stop := startBot(t, srv, h, opts, &syncBuffer{})
	t.Cleanup(func() { _ = stop() })
	waitReady(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	if err := srv.Wait(ctx, func() bool { return len(srv.Commands(srv.GuildID())) == 1 }); err != nil {
		t.Fatal("commands not registered on the guild")
	}
	return b, ctx
}

func waitReady(t *testing.T, b *Bot) {
	t.Helper()
	select {
	case <-b.Ready():
	case <-time.After(30 * time.Second):
		t.Fatal("no READY")
	}
}

func TestPanicInHandlerIsRecovered(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	var calls atomic.Int32
	second := make(chan struct{})
	h := &fakeHandler{handle: func(ctx context.Context, _ Request) (Response, error) {
		if calls.Add(1) == 1 {
			panic("boom")
		}
		defer close(second)
		return Response{}, errors.New("second handled")
	}}
	logs := &syncBuffer{}
	b, stop := startBot(t, srv, h, Options{GuildID: srv.GuildID()}, logs)
	waitReady(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Wait(ctx, func() bool { return len(srv.Commands(srv.GuildID())) == 1 }); err != nil {
		t.Fatal("commands not registered on the guild")
	}
	for range 2 {
		if _, err := srv.DispatchInteraction(fakediscord.SlashCommand("ping")); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-second:
	case <-ctx.Done():
		t.Fatal("the interaction after the panic was not handled")
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	out := logs.String()
	if !strings.Contains(out, "handler panicked") || !strings.Contains(out, "boom") || !strings.Contains(out, "second handled") {
		t.Fatalf("log lacks the recovered panic or the next handler:\n%s", out)
	}
	if id, _ := h.self.Load().(string); id != srv.Bot().ID {
		t.Errorf("SetSelf(%q), want the bot's id %q", id, srv.Bot().ID)
	}
}

func TestCommandsRegisteredGloballyWithoutGuild(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	h := &fakeHandler{}
	b, stop := startBot(t, srv, h, Options{}, &syncBuffer{})
	waitReady(t, b)
	defer stop()
	if n := len(srv.Commands("")); n != 1 {
		t.Fatalf("%d global commands, want 1", n)
	}
	if n := len(srv.Commands(srv.GuildID())); n != 0 {
		t.Fatalf("%d guild commands without discord.guild_id", n)
	}
}

func TestShutdownCancelsStuckHandlers(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	started := make(chan struct{})
	var sawCancel atomic.Bool
	h := &fakeHandler{handle: func(ctx context.Context, _ Request) (Response, error) {
		close(started)
		<-ctx.Done()
		sawCancel.Store(true)
		return Response{}, ctx.Err()
	}}
	b, stop := startBot(t, srv, h, Options{GuildID: srv.GuildID(), ShutdownTimeout: 200 * time.Millisecond}, &syncBuffer{})
	waitReady(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Wait(ctx, func() bool { return len(srv.Commands(srv.GuildID())) == 1 }); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.DispatchInteraction(fakediscord.SlashCommand("ping")); err != nil {
		t.Fatal(err)
	}
	<-started
	begin := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if d := time.Since(begin); d > 10*time.Second {
		t.Errorf("shutdown took %v", d)
	}
	if !sawCancel.Load() {
		t.Error("the stuck handler was not cancelled")
	}
}

func TestDisallowedIntentFailsWithHint(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{DisallowedIntents: int(discordgo.IntentMessageContent)})
	h := &fakeHandler{}
	opts := Options{Token: srv.Token(), APIBaseURL: srv.URL(), MessageContentIntent: true, ReadyTimeout: 2 * time.Second}
	session, err := NewSession(opts)
	if err != nil {
		t.Fatal(err)
	}
	session.ShouldReconnectOnError = false
	b := New(session, h, opts, slog.New(slog.DiscardHandler))
	err = b.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "4014") || !strings.Contains(err.Error(), "Message Content Intent") {
		t.Fatalf("Run = %v, want an error explaining 4014", err)
	}
}

func TestIntents(t *testing.T) {
	if got := Intents(false); got != discordgo.IntentsGuilds|discordgo.IntentsGuildMessages {
		t.Errorf("Intents(false) = %b", got)
	}
	if got := Intents(true); got&discordgo.IntentsMessageContent == 0 {
		t.Errorf("Intents(true) = %b lacks message content", got)
	}
}

func TestRewriteTransport(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Host+" "+r.URL.RequestURI())
	}))
	defer srv.Close()
	tests := []struct {
		name, base, in, want string
	}{
		{"origin only", srv.URL, "https://discord.com/api/v9/users/@me?x=1", "/api/v9/users/@me?x=1"},
		{"base with path", srv.URL + "/proxy/", "https://discord.com/api/v9/gateway", "/proxy/api/v9/gateway"},
		{"other hosts untouched", srv.URL, srv.URL + "/direct", "/direct"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = nil
			rt, err := newRewriteTransport(tt.base, nil)
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest(http.MethodGet, tt.in, nil)
			resp, err := (&http.Client{Transport: rt}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if len(got) != 1 || !strings.HasSuffix(got[0], " "+tt.want) {
				t.Fatalf("server saw %v, want %s", got, tt.want)
			}
		})
	}
	for _, bad := range []string{"discord.example", "ftp://x", "://"} {
		if _, err := newRewriteTransport(bad, nil); err == nil {
			t.Errorf("newRewriteTransport(%q) accepted", bad)
		}
	}
}

func TestNewSessionNeedsToken(t *testing.T) {
	if _, err := NewSession(Options{}); err == nil || !strings.Contains(err.Error(), "discord.token") {
		t.Fatalf("NewSession without a token: %v", err)
	}
}

func TestOnlyShardZeroRegistersCommands(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	h := &fakeHandler{}
	b, stop := startBot(t, srv, h, Options{GuildID: srv.GuildID(), ShardID: 1, ShardCount: 2}, &syncBuffer{})
	waitReady(t, b)
	defer stop()
	ids := srv.Identifies()
	if len(ids) == 0 || ids[0].Shard != [2]int{1, 2} {
		t.Fatalf("IDENTIFY shard = %+v, want [1 2]", ids)
	}
	if n := len(srv.Commands(srv.GuildID())) + len(srv.Commands("")); n != 0 {
		t.Fatalf("shard 1 registered %d commands", n)
	}
}
