// Package bot runs the discordgo session: it registers the commands on
// READY, routes interactions and messages to their handlers (recovering
// from panics), and shuts down gracefully.
package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/gateway"
	"github.com/secbrief/secbrief/internal/jsonscan"
)

// Options configure the Discord session.
type Options struct {
	// Token is the bot token, without the "Bot " prefix.
	Token string
	// APIBaseURL, when set, receives every REST request instead of
	// https://discord.com (path kept).
	APIBaseURL string
	// GuildID, when set, makes command registration a guild bulk overwrite
	// (instant) instead of a global one.
	GuildID string
	// MessageContentIntent requests the privileged Message Content intent.
	MessageContentIntent bool
	// ShardID and ShardCount select this process's shard.
	ShardID, ShardCount int
	// ShutdownTimeout bounds how long Run waits for in-flight handlers after
	// its context ends before cancelling them (default 6s).
	ShutdownTimeout time.Duration
	// Observer, when set, is told how each handled event went and what the
	// gateway connection does (package metrics).
	Observer Observer
	// ReadyTimeout is how long Run waits for the first READY before it
	// warns that the session is not up yet (default 60s). Run keeps trying
	// whatever the wait: an unreachable Discord may come back. Discord
	// refusing the session (a bad token: 401 or close code 4004; the
	// Message Content intent not enabled in the Developer Portal: close
	// code 4014) ends Run at once with an error that says so.
	ReadyTimeout time.Duration
	// Now is the clock interaction tokens expire by (time.Now when nil).
	Now func() time.Time
	// Clock times the gateway's heartbeats and reconnect waits, and
	// ReadyTimeout (the wall clock when nil). Tests pass a fake one.
	Clock gateway.Clock
}

// Observer records the bot's operating figures (package metrics).
type Observer interface {
	// Handled is told each event's kind (interaction, message), outcome
	// (ok, error, panic) and how long its handler ran.
	Handled(kind, outcome string, took time.Duration)
	// GatewayEvent is told "ready", "resumed", "lost" (an open connection
	// ended) and "failed" (an attempt opened none).
	GatewayEvent(event string)
}

// Handler is what the bot routes to: the command definitions and the
// handlers of interactions and messages.
type Handler interface {
	Commands() []*discordgo.ApplicationCommand
	HandleInteraction(ctx context.Context, i *discordgo.Interaction) error
	HandleMessage(ctx context.Context, m *discordgo.Message) error
	// SetSelf tells the handler the bot's own user id, from READY.
	SetSelf(userID string)
}

// decodeQueue is how many events may wait for a decoder before the
// gateway reader waits too.
const decodeQueue = 4096

// Bot is a running Discord bot.
type Bot struct {
	session *discordgo.Session // REST
	gw      *gateway.Conn      // events
	decode  chan func()        // events to decode, for the decoders
	opts    Options
	log     *slog.Logger
	handler Handler

	ctx    context.Context // handlers' context; cancelled when shutdown times out
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// gate orders handler starts before shutdown's Wait: once closing is
	// set, no handler starts.
	gate    sync.Mutex
	closing bool

	// gatewayBotURL is where GET /gateway/bot goes, named in its errors.
	gatewayBotURL string

	mu         sync.Mutex
	registered bool
	ready      chan struct{}
	readyOnce  sync.Once
}

// NewSession returns the discordgo session the bot sends REST requests
// with: the token, the REST origin, and discordgo's own logging limited to
// errors. It never opens discordgo's gateway: Bot connects with package
// gateway.
func NewSession(opts Options) (*discordgo.Session, error) {
	if opts.Token == "" {
		return nil, errors.New("discord.token is empty: set DISCORD_TOKEN or discord.token")
	}
	s, err := discordgo.New("Bot " + opts.Token)
	if err != nil {
		return nil, fmt.Errorf("discord session: %w", err)
	}
	client := &http.Client{Timeout: 20 * time.Second, Transport: restTransport()}
	if opts.APIBaseURL != "" {
		rt, err := newRewriteTransport(opts.APIBaseURL, client.Transport)
		if err != nil {
			return nil, err
		}
		client.Transport = rt
	}
	s.Client = client
	s.LogLevel = discordgo.LogError
	// The session only sends REST requests: events come from package
	// gateway, and discordgo's state cache stays off (handlers read what
	// they need from the events; a server of thousands of members would
	// make it large).
	s.StateEnabled = false
	return s, nil
}

// Intents are the gateway intents the bot asks for: guilds (thread and
// channel events), guild messages (messages that mention the bot in its
// threads), and Message Content only when the operator enabled it.
func Intents(messageContent bool) discordgo.Intent {
	i := discordgo.IntentsGuilds | discordgo.IntentsGuildMessages
	if messageContent {
		i |= discordgo.IntentsMessageContent
	}
	return i
}

// New wires handler to session (REST) and a gateway connection (events).
// Run connects.
func New(session *discordgo.Session, handler Handler, opts Options, logger *slog.Logger) *Bot {
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = 6 * time.Second
	}
	if opts.ReadyTimeout <= 0 {
		opts.ReadyTimeout = 60 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Clock == nil {
		opts.Clock = gateway.WallClock{}
	}
	if opts.Token == "" {
		opts.Token = strings.TrimPrefix(session.Token, "Bot ") // the session's, as NewSession set it
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &Bot{session: session, opts: opts, log: logger, handler: handler, ctx: ctx, cancel: cancel, ready: make(chan struct{}),
		decode: make(chan func(), decodeQueue), gatewayBotURL: restURL(opts.APIBaseURL, discordgo.EndpointGatewayBot)}
	b.gw = gateway.New(gateway.Options{
		Token:      opts.Token,
		Intents:    int(Intents(opts.MessageContentIntent)),
		ShardID:    opts.ShardID,
		ShardCount: opts.ShardCount,
		URL:        b.gatewayURL,
		Dialer:     gatewayDialer(),
		Dispatch:   b.dispatch,
		Log:        logger,
		Observe:    b.gatewayEvent,
		Clock:      opts.Clock,
	})
	return b
}

func (b *Bot) gatewayEvent(event string) {
	if b.opts.Observer != nil {
		b.opts.Observer.GatewayEvent(event)
	}
}

// dispatch routes a gateway event to its handler. It runs on the gateway's
// reader, so events are decoded by the decoders, in parallel: nothing
// waits behind the decoding of an event nobody handles, and each handler
// then runs in its own goroutine.
func (b *Bot) dispatch(e gateway.Event) {
	switch e.Type {
	case "READY":
		var r discordgo.Ready
		if err := json.Unmarshal(e.Data, &r); err != nil {
			b.log.Error("decode READY", "err", err)
			return
		}
		go b.onReady(&r)
	case "INTERACTION_CREATE":
		b.decode <- func() {
			var i discordgo.Interaction
			if err := json.Unmarshal(e.Data, &i); err != nil {
				b.log.Error("decode interaction", "seq", e.Seq, "err", err)
				return
			}
			go b.onInteraction(&i)
		}
	case "MESSAGE_CREATE":
		b.decode <- func() {
			if fromBot(e.Data) {
				return // including the echo of each of our own answers
			}
			var m discordgo.Message
			if err := json.Unmarshal(e.Data, &m); err != nil {
				b.log.Error("decode message", "seq", e.Seq, "err", err)
				return
			}
			go b.onMessage(&m)
		}
	}
}

// startDecoders starts one decoder per CPU; they decode events until stop
// is called, once the gateway connection has ended. Long-lived, their
// stacks have grown to what decoding takes: a goroutine per event would
// grow (copy) its stack in every decode.
func (b *Bot) startDecoders() (stop func()) {
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for job := range b.decode {
				job()
			}
		})
	}
	return func() {
		close(b.decode)
		wg.Wait()
	}
}

// fromBot reports whether a MESSAGE_CREATE was written by a bot or the
// system, reading only its author (true when that cannot be read). Every
// answer the bot posts comes back as one: it is dropped after a scan, not
// a decode.
func fromBot(data []byte) bool {
	var author []byte
	err := jsonscan.Members(data, func(key string, val []byte) error {
		if key == "author" {
			author = val
		}
		return nil
	})
	if err != nil || author == nil {
		return true
	}
	var bot, system bool
	err = jsonscan.Members(author, func(key string, val []byte) error {
		switch key {
		case "bot":
			bot = string(val) == "true"
		case "system":
			system = string(val) == "true"
		}
		return nil
	})
	return err != nil || bot || system
}

// ChannelGuild asks Discord which guild a channel belongs to.
func (b *Bot) ChannelGuild(ctx context.Context, channelID string) (string, error) {
	c, err := b.session.Channel(channelID, discordgo.WithContext(ctx))
	if err != nil {
		return "", fmt.Errorf("channel %s: %w", channelID, err)
	}
	if c.GuildID == "" {
		return "", fmt.Errorf("channel %s is not in a server", channelID)
	}
	return c.GuildID, nil
}

// Session returns the underlying discordgo session.
func (b *Bot) Session() *discordgo.Session { return b.session }

// Ready is closed once the first READY has been handled and the commands
// registered (or their registration failed and was logged).
func (b *Bot) Ready() <-chan struct{} { return b.ready }

// Run connects to the gateway and serves until ctx ends, then waits up to
// ShutdownTimeout for in-flight handlers, cancels what is left and closes
// the connection. It returns early with an error when Discord refuses the
// session.
func (b *Bot) Run(ctx context.Context) error {
	defer b.startDecoders()() // stopped once the gateway has ended: every return below waits for it
	gwCtx, stopGW := context.WithCancel(context.Background())
	gwDone := make(chan error, 1)
	go func() { gwDone <- b.gw.Run(gwCtx) }()
	closeGW := func() error {
		stopGW()
		return <-gwDone
	}
	b.log.Info("discord gateway connecting", "shard_id", b.opts.ShardID, "shard_count", max(b.opts.ShardCount, 1))
	late, stopLate := b.opts.Clock.NewTimer(b.opts.ReadyTimeout)
	defer stopLate()
	for waiting := true; waiting; {
		select {
		case <-b.ready:
			waiting = false
		case <-ctx.Done():
			waiting = false
		case err := <-gwDone:
			stopGW()
			b.drain()
			return b.openError(err)
		case <-late:
			// The gateway logs each failed attempt; this says the bot is
			// not serving yet, and that it has not given up.
			late = nil
			b.log.Warn("discord session not ready yet; still trying", "waited", b.opts.ReadyTimeout)
		}
	}
	select {
	case <-ctx.Done():
	case err := <-gwDone:
		stopGW()
		b.drain()
		return b.openError(err)
	}
	b.log.Info("shutting down", "in_flight_timeout", b.opts.ShutdownTimeout)
	b.drain()
	return closeGW()
}

// drain stops new handlers, waits up to ShutdownTimeout for the running
// ones, then cancels them and waits a second more.
func (b *Bot) drain() {
	b.gate.Lock()
	b.closing = true
	b.gate.Unlock()
	done := make(chan struct{})
	go func() { b.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(b.opts.ShutdownTimeout):
		b.log.Warn("cancelling in-flight handlers")
		b.cancel()
		select {
		case <-done:
		case <-time.After(time.Second):
			b.log.Warn("handlers still running at exit")
		}
	}
	b.cancel()
}

func (b *Bot) onReady(r *discordgo.Ready) {
	defer b.readyOnce.Do(func() { close(b.ready) })
	b.log.Info("ready", "user_id", r.User.ID, "application_id", r.Application.ID, "guilds", len(r.Guilds))
	b.handler.SetSelf(r.User.ID)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.registered {
		return
	}
	if b.opts.ShardID != 0 {
		// Commands belong to the application, not to a shard: shard 0
		// registers them for all.
		b.registered = true
		return
	}
	cmds := b.handler.Commands()
	got, err := b.session.ApplicationCommandBulkOverwrite(r.Application.ID, b.opts.GuildID, cmds, discordgo.WithContext(b.ctx))
	if err != nil {
		b.log.Error("register commands", "guild_id", b.opts.GuildID, "err", err)
		return
	}
	b.registered = true
	b.log.Info("commands registered", "count", len(got), "guild_id", b.opts.GuildID)
}

func (b *Bot) onInteraction(i *discordgo.Interaction) {
	b.serve("interaction", func(ctx context.Context) error {
		ctx, cancel := b.interactionContext(ctx, i)
		defer cancel()
		if ctx.Err() != nil {
			return fmt.Errorf("interaction arrived after its token expired (is the system clock right?): %w", context.Cause(ctx))
		}
		return b.handler.HandleInteraction(ctx, i)
	}, "interaction_id", i.ID, "guild_id", i.GuildID, "channel_id", i.ChannelID)
}

func (b *Bot) onMessage(m *discordgo.Message) {
	if m.Author == nil || m.Author.Bot || m.Author.System {
		return // never answer bots, including ourselves: no loops
	}
	b.serve("message", func(ctx context.Context) error {
		return b.handler.HandleMessage(ctx, m)
	}, "message_id", m.ID, "guild_id", m.GuildID, "channel_id", m.ChannelID)
}

// serve runs one handler with panic recovery and in-flight tracking, and
// tells the Observer how it went.
func (b *Bot) serve(kind string, fn func(ctx context.Context) error, attrs ...any) {
	b.gate.Lock()
	if b.closing {
		b.gate.Unlock()
		return
	}
	b.wg.Add(1)
	b.gate.Unlock()
	defer b.wg.Done()
	start, outcome := time.Now(), "ok"
	defer func() {
		if p := recover(); p != nil {
			outcome = "panic"
			b.log.Error("handler panicked", append(attrs, "kind", kind, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))...)
		}
		if b.opts.Observer != nil {
			b.opts.Observer.Handled(kind, outcome, time.Since(start))
		}
	}()
	if err := fn(b.ctx); err != nil {
		outcome = "error"
		b.log.Error("handler failed", append(attrs, "kind", kind, "err", err)...)
	}
}
