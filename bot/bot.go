// Package bot runs the discordgo session: it registers the commands on
// READY, routes interactions and messages to their handlers (recovering
// from panics), and shuts down gracefully.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
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
	// HTTPClient, when set, is the base client for REST calls.
	HTTPClient *http.Client
	// ReadyTimeout bounds the wait for the first READY after connecting
	// (default 60s); Discord refusing the session (a bad token, or the
	// Message Content intent not enabled in the Developer Portal: close
	// code 4014) shows up as no READY.
	ReadyTimeout time.Duration
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

// Bot is a running Discord bot.
type Bot struct {
	session *discordgo.Session
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

	mu         sync.Mutex
	registered bool
	ready      chan struct{}
	readyOnce  sync.Once
}

// NewSession returns a discordgo session configured from opts but not yet
// open: the token, the REST origin, intents, sharding, and discordgo's own
// logging limited to errors.
func NewSession(opts Options) (*discordgo.Session, error) {
	if opts.Token == "" {
		return nil, errors.New("discord.token is empty: set DISCORD_TOKEN or discord.token")
	}
	s, err := discordgo.New("Bot " + opts.Token)
	if err != nil {
		return nil, fmt.Errorf("discord session: %w", err)
	}
	client := &http.Client{Timeout: 20 * time.Second, Transport: restTransport()}
	if opts.HTTPClient != nil {
		c := *opts.HTTPClient
		client = &c
	}
	if opts.APIBaseURL != "" {
		rt, err := newRewriteTransport(opts.APIBaseURL, client.Transport)
		if err != nil {
			return nil, err
		}
		client.Transport = rt
	}
	s.Client = client
	s.Dialer = gatewayDialer()
	s.LogLevel = discordgo.LogError
	s.Identify.Intents = Intents(opts.MessageContentIntent)
	if opts.ShardCount > 1 {
		s.Identify.Shard = &[2]int{opts.ShardID, opts.ShardCount}
		s.ShardID, s.ShardCount = opts.ShardID, opts.ShardCount
	}
	// The state cache is not needed: handlers read what they need from the
	// events, and a server of thousands of members would make it large.
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

// New wires handler into session. Run opens the session.
func New(session *discordgo.Session, handler Handler, opts Options, logger *slog.Logger) *Bot {
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = 6 * time.Second
	}
	if opts.ReadyTimeout <= 0 {
		opts.ReadyTimeout = 60 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &Bot{session: session, opts: opts, log: logger, handler: handler, ctx: ctx, cancel: cancel, ready: make(chan struct{})}
	session.AddHandler(b.onReady)
	session.AddHandler(b.onInteraction)
	session.AddHandler(b.onMessage)
	return b
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

// Run opens the gateway connection and serves until ctx ends, then waits up
// to ShutdownTimeout for in-flight handlers, cancels what is left and
// closes the session.
func (b *Bot) Run(ctx context.Context) error {
	if err := b.session.Open(); err != nil {
		return b.openError(err)
	}
	b.log.Info("discord gateway connected", "shard_id", b.opts.ShardID, "shard_count", max(b.opts.ShardCount, 1))
	select {
	case <-b.ready:
	case <-ctx.Done():
	case <-time.After(b.opts.ReadyTimeout):
		err := b.notReady()
		if cerr := b.shutdown(); cerr != nil {
			b.log.Warn("close after failed start", "err", cerr)
		}
		return err
	}
	<-ctx.Done()
	b.log.Info("shutting down", "in_flight_timeout", b.opts.ShutdownTimeout)
	return b.shutdown()
}

// intentHint explains close code 4014 to the operator.
const intentHint = "discord.message_content_intent is true: switch on Message Content Intent in the Developer Portal " +
	"(Bot → Privileged Gateway Intents), or Discord closes the connection with code 4014"

// openError explains why the gateway refused the session.
func (b *Bot) openError(err error) error {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		switch ce.Code {
		case 4014:
			return fmt.Errorf("open discord gateway: %w (%s)", err, intentHint)
		case 4004:
			return fmt.Errorf("open discord gateway: %w (discord.token is not a valid bot token)", err)
		}
	}
	return fmt.Errorf("open discord gateway: %w", err)
}

// notReady explains a session that never became READY.
func (b *Bot) notReady() error {
	hint := "check discord.token"
	if b.opts.MessageContentIntent {
		hint = intentHint + "; or check discord.token"
	}
	return fmt.Errorf("discord did not accept the session within %s: %s", b.opts.ReadyTimeout, hint)
}

func (b *Bot) shutdown() error {
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
	if err := b.session.Close(); err != nil {
		return fmt.Errorf("close discord session: %w", err)
	}
	return nil
}

func (b *Bot) onReady(s *discordgo.Session, r *discordgo.Ready) {
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
	got, err := s.ApplicationCommandBulkOverwrite(r.Application.ID, b.opts.GuildID, cmds)
	if err != nil {
		b.log.Error("register commands", "guild_id", b.opts.GuildID, "err", err)
		return
	}
	b.registered = true
	b.log.Info("commands registered", "count", len(got), "guild_id", b.opts.GuildID)
}

func (b *Bot) onInteraction(_ *discordgo.Session, i *discordgo.InteractionCreate) {
	b.serve("interaction", func(ctx context.Context) error {
		return b.handler.HandleInteraction(ctx, i.Interaction)
	}, "interaction_id", i.ID, "guild_id", i.GuildID, "channel_id", i.ChannelID)
}

func (b *Bot) onMessage(_ *discordgo.Session, m *discordgo.MessageCreate) {
	if m.Author == nil || m.Author.Bot || m.Author.System {
		return // never answer bots, including ourselves: no loops
	}
	b.serve("message", func(ctx context.Context) error {
		return b.handler.HandleMessage(ctx, m.Message)
	}, "message_id", m.ID, "guild_id", m.GuildID, "channel_id", m.ChannelID)
}

// serve runs one handler with panic recovery and in-flight tracking.
func (b *Bot) serve(kind string, fn func(ctx context.Context) error, attrs ...any) {
	b.gate.Lock()
	if b.closing {
		b.gate.Unlock()
		return
	}
	b.wg.Add(1)
	b.gate.Unlock()
	defer b.wg.Done()
	defer func() {
		if p := recover(); p != nil {
			b.log.Error("handler panicked", append(attrs, "kind", kind, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))...)
		}
	}()
	if err := fn(b.ctx); err != nil {
		b.log.Error("handler failed", append(attrs, "kind", kind, "err", err)...)
	}
}
