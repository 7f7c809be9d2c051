// Package fakediscord is an in-process fake of Discord, REST and gateway, that
// a real discordgo session connects to. It records every request, keeps the
// messages, threads, commands and interactions it was asked to create, answers
// like Discord does (snowflake ids, Discord's JSON errors, 429s on demand,
// Discord's message limits) and lets a test dispatch interactions and
// messages over the gateway, drop the connection and wait on what follows.
package fakediscord

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Options configure a Server. The zero value is usable.
type Options struct {
	// Token is the bot token (without the "Bot " prefix) the server accepts
	// in the Authorization header and in IDENTIFY. Default "fake-token".
	Token string
	// BotName is the bot user's username. Default "secbrief".
	BotName string
	// Guilds is how many guilds the bot is in, each with one text channel.
	// Default 1.
	Guilds int
	// ShardCount spreads the guilds over that many shards: guild k (in
	// GuildIDs order) belongs to shard k % ShardCount by Discord's rule
	// (ShardOf), so sessions identifying with shard [i, ShardCount] each
	// get their own guilds. GET /gateway/bot recommends it. Default 1.
	ShardCount int
	// HeartbeatInterval is sent in HELLO. Default 41.25s, Discord's value.
	// discordgo reconnects when no ACK arrives for five intervals. With an
	// interval under ~1s discordgo's Close (which sleeps 1s) can race its
	// own heartbeat and reconnect after Close: sessions in such tests should
	// set ShouldReconnectOnError = false.
	HeartbeatInterval time.Duration
	// DisallowedIntents are privileged intents not enabled in the "Developer
	// Portal": an IDENTIFY asking for one is closed with 4014.
	DisallowedIntents int
	// InteractionDeadline is how long after dispatch an interaction accepts
	// its initial callback (Discord: 3s); later callbacks get 10062.
	InteractionDeadline time.Duration
	// NonceWindow is how long an enforced nonce is remembered. Default 5m.
	NonceWindow time.Duration
	// Now is the clock for snowflakes, timestamps, nonce windows and webhook
	// token expiry (15 min). Latencies are always measured on the real clock.
	Now func() time.Time
	// Logger receives the server's debug log; default discards. Tokens are
	// never logged.
	Logger *slog.Logger
}

// Server is a running fake Discord. Create it with New.
type Server struct {
	opts   Options
	log    *slog.Logger
	http   *httptest.Server
	origin string

	app     User // the bot user; the application id equals its id, as on Discord
	user    User // default human user for dispatches
	guilds  []string
	ids     idGen
	changed notifier
	conns   sync.WaitGroup
	// accepted counts the TCP connections the server accepted.
	accepted atomic.Int64

	mu           sync.Mutex
	requests     []Request
	faults       []*fault
	stalls       []*stall
	channels     map[string]*channel
	messages     map[string]*Message // every stored message by id
	nonces       map[string]nonceEntry
	commands     map[string][]Command // by guild id; "" is global
	interactions map[string]*interactionState
	byToken      map[string]*interactionState // interactions by token, for webhook routes
	sessions     map[string]*gwSession
	liveConns    map[*wsConn]struct{}
	identifies   []Identify
	resumes      int
	heartbeats   int
	withholdAcks bool // see WithholdAcks
	closed       bool
}

// New starts a fake Discord on 127.0.0.1 and closes it when tb ends.
func New(tb testing.TB, opts Options) *Server {
	tb.Helper()
	if opts.Token == "" {
		opts.Token = "fake-token"
	}
	if opts.BotName == "" {
		opts.BotName = "secbrief"
	}
	if opts.Guilds <= 0 {
		opts.Guilds = 1
	}
	if opts.ShardCount <= 0 {
		opts.ShardCount = 1
	}
	if opts.HeartbeatInterval <= 0 {
		opts.HeartbeatInterval = 41250 * time.Millisecond
	}
	if opts.InteractionDeadline <= 0 {
		opts.InteractionDeadline = 3 * time.Second
	}
	if opts.NonceWindow <= 0 {
		opts.NonceWindow = 5 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{
		opts:         opts,
		log:          log,
		ids:          idGen{now: opts.Now},
		changed:      newNotifier(),
		channels:     map[string]*channel{},
		messages:     map[string]*Message{},
		nonces:       map[string]nonceEntry{},
		commands:     map[string][]Command{},
		interactions: map[string]*interactionState{},
		byToken:      map[string]*interactionState{},
		sessions:     map[string]*gwSession{},
		liveConns:    map[*wsConn]struct{}{},
	}
	s.app = User{ID: s.ids.next(), Username: opts.BotName, Bot: true}
	s.user = User{ID: s.ids.next(), Username: "alice", GlobalName: "Alice"}
	for i := 0; i < opts.Guilds; i++ {
		g := s.ids.nextInShard(i%opts.ShardCount, opts.ShardCount)
		s.guilds = append(s.guilds, g)
		c := &channel{Channel: Channel{ID: s.ids.next(), GuildID: g, Name: "general", Type: ChannelTypeText}}
		s.channels[c.ID] = c
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", s.serveGateway)
	mux.HandleFunc("/ws/", s.serveGateway)
	mux.Handle("/", s.restHandler())
	s.http = httptest.NewUnstartedServer(mux)
	s.http.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.accepted.Add(1)
		}
	}
	s.http.Start()
	s.origin = s.http.URL
	tb.Cleanup(s.Close)
	return s
}

// Close drops every gateway connection and stops the server. It is called
// automatically when the test ends.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	for _, c := range s.liveConnList() {
		c.abort()
	}
	s.http.Close()
	s.conns.Wait()
}

// Connections is how many TCP connections (REST and gateway) the server
// has accepted so far: a client that reuses its connections keeps it flat.
func (s *Server) Connections() int { return int(s.accepted.Load()) }

// URL is the server's origin, e.g. "http://127.0.0.1:41234": the value for
// the bot's discord.api_base_url. REST paths are served under /api/v9/
// (what discordgo v0.29.0 uses) and /api/v10/.
func (s *Server) URL() string { return s.origin }

// GatewayURL is the websocket URL that GET /gateway returns.
func (s *Server) GatewayURL() string { return "ws" + strings.TrimPrefix(s.origin, "http") + "/ws" }

// Token is the bot token the server accepts (without "Bot ").
func (s *Server) Token() string { return s.opts.Token }

// AppID is the application id (equal to the bot user's id, as on Discord).
func (s *Server) AppID() string { return s.app.ID }

// Bot is the bot user.
func (s *Server) Bot() User { return s.app }

// DefaultUser is the human user that dispatches use unless told otherwise.
func (s *Server) DefaultUser() User { return s.user }

// NewUser makes a human user with a fresh id (it needs no registration).
func (s *Server) NewUser(name string) User {
	return User{ID: s.ids.next(), Username: name, GlobalName: name}
}

// GuildID is the first guild's id.
func (s *Server) GuildID() string { return s.guilds[0] }

// GuildIDs lists every guild the bot is in.
func (s *Server) GuildIDs() []string { return append([]string(nil), s.guilds...) }

// GuildsOfShard lists the guilds that shard shardID of shardCount owns
// (ShardOf), in GuildIDs order.
func (s *Server) GuildsOfShard(shardID, shardCount int) []string {
	var out []string
	for _, g := range s.guilds {
		if ShardOf(g, shardCount) == shardID {
			out = append(out, g)
		}
	}
	return out
}

// ChannelID is the first guild's text channel.
func (s *Server) ChannelID() string { return s.TextChannel(s.guilds[0]) }

// TextChannel returns the first text channel of guildID, or "".
func (s *Server) TextChannel(guildID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	best := ""
	for id, c := range s.channels {
		if c.GuildID == guildID && c.Type == ChannelTypeText && (best == "" || id < best) {
			best = id
		}
	}
	return best
}

// AddChannel creates a text channel in guildID and returns it.
func (s *Server) AddChannel(guildID, name string) Channel {
	c := &channel{Channel: Channel{ID: s.ids.next(), GuildID: guildID, Name: name, Type: ChannelTypeText}}
	s.mu.Lock()
	s.channels[c.ID] = c
	s.mu.Unlock()
	s.changed.broadcast()
	return c.Channel
}

// Wait blocks until cond returns true (it is re-checked after every change
// in the server's state) or ctx ends.
func (s *Server) Wait(ctx context.Context, cond func() bool) error {
	for {
		ch := s.changed.wait()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// notifier wakes every waiter on each change.
type notifier struct {
	mu sync.Mutex
	ch chan struct{}
}

func newNotifier() notifier { return notifier{ch: make(chan struct{})} }

func (n *notifier) wait() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ch
}

func (n *notifier) broadcast() {
	n.mu.Lock()
	close(n.ch)
	n.ch = make(chan struct{})
	n.mu.Unlock()
}
