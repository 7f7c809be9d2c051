// Package bot is the Discord side of secbrief. It serves the command table
// of package commands: it registers the definitions on READY, routes
// interactions by name, and owns the whole life of a response (answer at
// once or defer, edit the original, split long answers into follow-ups,
// show errors through the handler's one UserMessage, open threads), the
// burst work (encoded answers, first answers before threads, thread
// pacing), answers to messages that mention the bot, digest posting and a
// graceful shutdown. Events come from package gateway; REST requests go
// through discordgo, and interaction routes through Client.
package bot

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/gateway"
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

// Handler is what the bot serves: the command table, the answers to
// messages, and the one translation of errors into what users are told.
type Handler interface {
	// Commands is the command table, read once by New.
	Commands() []Command
	// HandleMessage answers a message (an empty Response: no answer).
	HandleMessage(ctx context.Context, m *discordgo.Message) (Response, error)
	// UserMessage is the short sentence a user is shown for err.
	UserMessage(err error) string
	// Refused reports whether err is a refusal (the user's own mistake, a
	// limit) rather than a failure worth the error log.
	Refused(err error) bool
	// SetSelf tells the handler the bot's own user id, from READY.
	SetSelf(userID string)
}

// decodeQueue is how many events may wait for a decoder before the
// gateway reader waits too.
const decodeQueue = 4096

// Bot is a running Discord bot.
type Bot struct {
	session  *discordgo.Session // REST
	client   Client             // REST, interaction routes sent by the bot itself
	gw       *gateway.Conn      // events
	decode   chan func()        // events to decode, for the decoders
	handlers *handlerPool       // runs interaction handlers (see startDecoders)
	opts     Options
	log      *slog.Logger
	handler  Handler
	table    table

	encoded     *encodings    // first responses of answers, encoded once
	pending     *firstAnswers // interactions awaiting their first response
	threadSlots chan struct{} // bounds concurrent thread openings

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
	b := &Bot{session: session, client: Client{Session: session}, opts: opts, log: logger, handler: handler, table: newTable(handler.Commands()),
		encoded: newEncodings(encodedAnswers), pending: newFirstAnswers(), threadSlots: make(chan struct{}, threadOpeners),
		ctx: ctx, cancel: cancel, ready: make(chan struct{}),
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
	cmds := b.table.defs
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
		return b.handleInteraction(ctx, i)
	}, "interaction_id", i.ID, "guild_id", i.GuildID, "channel_id", i.ChannelID)
}

func (b *Bot) onMessage(m *discordgo.Message) {
	if m.Author == nil || m.Author.Bot || m.Author.System {
		return // never answer bots, including ourselves: no loops
	}
	b.serve("message", func(ctx context.Context) error {
		return b.handleMessage(ctx, m)
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
