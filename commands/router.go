// Package commands defines secbrief's slash and context-menu commands (as
// data, bulk-synced on READY) and handles them: /summarize, the Summarize
// message command, /ask, /usage and questions that mention the bot in its
// threads.
package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/article"
	"github.com/secbrief/secbrief/internal/flight"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/summarizer"
)

// Discord is the part of the discordgo session the handlers use;
// *discordgo.Session satisfies it.
type Discord interface {
	InteractionRespond(i *discordgo.Interaction, r *discordgo.InteractionResponse, options ...discordgo.RequestOption) error
	// InteractionRespondJSON is InteractionRespond with the response
	// already encoded; it returns the id of the message the response
	// created, "" when unknown.
	InteractionRespondJSON(i *discordgo.Interaction, body []byte, options ...discordgo.RequestOption) (messageID string, err error)
	InteractionResponseEdit(i *discordgo.Interaction, e *discordgo.WebhookEdit, options ...discordgo.RequestOption) (*discordgo.Message, error)
	InteractionResponseDelete(i *discordgo.Interaction, options ...discordgo.RequestOption) error
	InteractionResponse(i *discordgo.Interaction, options ...discordgo.RequestOption) (*discordgo.Message, error)
	FollowupMessageCreate(i *discordgo.Interaction, wait bool, data *discordgo.WebhookParams, options ...discordgo.RequestOption) (*discordgo.Message, error)
	MessageThreadStartComplex(channelID, messageID string, data *discordgo.ThreadStart, options ...discordgo.RequestOption) (*discordgo.Channel, error)
	ChannelMessageSendComplex(channelID string, data *discordgo.MessageSend, options ...discordgo.RequestOption) (*discordgo.Message, error)
	ChannelTyping(channelID string, options ...discordgo.RequestOption) error
}

// Summarizer writes and answers from summaries (package summarizer).
type Summarizer interface {
	Summarize(ctx context.Context, a news.Article) (news.Summary, error)
	Cached(ctx context.Context, a news.Article) (news.Summary, bool, error)
	Answer(ctx context.Context, q summarizer.Question) (string, error)
}

// Fetcher fetches and extracts an article (package article).
type Fetcher interface {
	Fetch(ctx context.Context, rawURL string) (news.Article, error)
}

// Store is what the handlers keep: articles, and the threads the bot opened
// with their questions and answers (package storage).
type Store interface {
	Article(ctx context.Context, hash string) (news.Article, bool, error)
	PutArticle(ctx context.Context, a news.Article) error
	ArticleByURL(ctx context.Context, url string, maxAge time.Duration) (news.Article, bool, error)
	PutThread(ctx context.Context, t news.Thread) error
	Thread(ctx context.Context, id string) (news.Thread, bool, error)
	AddTurn(ctx context.Context, threadID string, t news.Turn) error
	Turns(ctx context.Context, threadID string, limit int) ([]news.Turn, error)
	TurnsSince(ctx context.Context, threadID string, since time.Time) (int, error)
	TokensOn(ctx context.Context, guildID string, day string) (int, error)
	// GuildUsage lists a guild's usage per day and model from one day to
	// another (YYYY-MM-DD, UTC, both included), for /usage.
	GuildUsage(ctx context.Context, guildID, from, to string) ([]news.Usage, error)
}

// Options tune the handlers.
type Options struct {
	// AutoThread opens a thread on every public summary.
	AutoThread bool
	// MessageContent means the Message Content intent is on: plain messages
	// in the bot's threads are answered, not only mentions.
	MessageContent bool
	// URLPolicy is checked before anything is deferred or fetched.
	URLPolicy article.Policy
	// PerUserPerMinute limits /summarize per user; AskPerUserPerMinute
	// limits questions per user; ThreadTurnsPerHour caps answers per thread.
	PerUserPerMinute, AskPerUserPerMinute, ThreadTurnsPerHour int
	// GuildDailyTokens is each guild's daily LLM token budget (0: none);
	// once spent, only cached summaries are served.
	GuildDailyTokens int
	// CacheMaxAge is how old a stored fetch of a URL may be to answer
	// /summarize without fetching again (default 24h).
	CacheMaxAge time.Duration
	// WorkTimeout bounds one fetch-and-summarize or answer (default 4 min,
	// within the 15 minutes an interaction token lives).
	WorkTimeout time.Duration
	// TurnWindow is how many earlier turns go with a question (default 6).
	TurnWindow int
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Extension is a feature that brings its own commands (digest, feeds).
type Extension interface {
	Commands() []*discordgo.ApplicationCommand
	// Handles reports whether the extension owns the command, component or
	// modal with this name or custom id.
	Handles(name string) bool
	HandleInteraction(ctx context.Context, i *discordgo.Interaction) error
}

// hotLinks is how many recently summarized links are kept rendered in
// memory; threadOpeners is how many threads are opened at once.
const (
	hotLinks      = 256
	threadOpeners = 4
	// threadPatience is the longest a thread waits for other members'
	// first answers.
	threadPatience = 2 * time.Second
)

// Router routes interactions and messages to their handlers and turns
// their errors into short user messages.
type Router struct {
	discord    Discord
	summarizer Summarizer
	fetcher    Fetcher
	store      Store
	opts       Options
	log        *slog.Logger
	extensions []Extension

	userLimit, askLimit *Limiter
	inflight            flight.Group[answer] // fetch and summary of one link
	hot                 *hotAnswers
	threadSlots         chan struct{} // bounds concurrent thread openings
	pending             *firstAnswers // interactions awaiting their first response

	mu     sync.RWMutex
	selfID string
}

// New returns a Router. extensions add their commands to the bot's.
func New(d Discord, sum Summarizer, f Fetcher, st Store, opts Options, logger *slog.Logger, extensions ...Extension) *Router {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.CacheMaxAge <= 0 {
		opts.CacheMaxAge = 24 * time.Hour
	}
	if opts.WorkTimeout <= 0 {
		opts.WorkTimeout = 4 * time.Minute
	}
	if opts.TurnWindow <= 0 {
		opts.TurnWindow = 6
	}
	return &Router{
		discord: d, summarizer: sum, fetcher: f, store: st, opts: opts, log: logger, extensions: extensions,
		userLimit:   NewLimiter(opts.PerUserPerMinute, opts.Now),
		askLimit:    NewLimiter(opts.AskPerUserPerMinute, opts.Now),
		hot:         newHotAnswers(hotLinks, opts.CacheMaxAge, opts.Now),
		threadSlots: make(chan struct{}, threadOpeners),
		pending:     newFirstAnswers(),
	}
}

// Commands returns every command definition, for the bulk overwrite.
func (r *Router) Commands() []*discordgo.ApplicationCommand {
	cmds := definitions()
	for _, e := range r.extensions {
		cmds = append(cmds, e.Commands()...)
	}
	return cmds
}

// SetSelf records the bot's own user id (from READY), used to recognise
// mentions of the bot.
func (r *Router) SetSelf(userID string) {
	r.mu.Lock()
	r.selfID = userID
	r.mu.Unlock()
}

func (r *Router) self() string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.selfID
}

// HandleInteraction handles one interaction. A returned error has already
// been shown to the user where possible; it is for the log.
func (r *Router) HandleInteraction(ctx context.Context, i *discordgo.Interaction) error {
	name := interactionName(i)
	for _, e := range r.extensions {
		if e.Handles(name) {
			return e.HandleInteraction(ctx, i)
		}
	}
	rep := newReply(ctx, r.discord, i, r.log)
	rep.answered = r.pending.begin()
	defer rep.answered()
	var err error
	switch {
	case i.Type == discordgo.InteractionApplicationCommand && name == cmdSummarize:
		err = r.summarizeCommand(ctx, rep)
	case i.Type == discordgo.InteractionApplicationCommand && name == cmdSummarizeMessage:
		err = r.summarizeMessage(ctx, rep)
	case i.Type == discordgo.InteractionModalSubmit && (name == modalSummarizeText || strings.HasPrefix(name, modalSummarizeText+":")):
		err = r.summarizeModal(ctx, rep)
	case i.Type == discordgo.InteractionApplicationCommand && name == cmdAsk:
		err = r.askCommand(ctx, rep)
	case i.Type == discordgo.InteractionApplicationCommand && name == cmdUsage:
		err = r.usageCommand(ctx, rep)
	case i.Type == discordgo.InteractionPing:
		return nil
	default:
		err = userErrorf("I don't know that command. The bot may have been updated; try again in a minute.")
	}
	return finish(rep, name, err, r.log)
}

// finish shows a handler's error to the user and decides what reaches the
// bot's error log: a user's own mistake or a rate limit is logged at info
// level and not returned.
func finish(rep *reply, name string, err error, logger *slog.Logger) error {
	if err == nil {
		return nil
	}
	rep.fail(err)
	if isRefusal(err) {
		logger.Info("request refused", "command", name, "interaction_id", rep.i.ID, "reason", err)
		return nil
	}
	return fmt.Errorf("%s: %w", name, err)
}

// isRefusal reports whether err is a refusal rather than a failure: a
// user's own mistake (a UserError without a cause) or a rate limit.
func isRefusal(err error) bool {
	var ue *UserError
	var rl *RateLimitedError
	return (errors.As(err, &ue) && ue.Cause == nil) || errors.As(err, &rl)
}

// interactionName is the command name or the component/modal custom id.
func interactionName(i *discordgo.Interaction) string {
	switch i.Type {
	case discordgo.InteractionApplicationCommand, discordgo.InteractionApplicationCommandAutocomplete:
		return i.ApplicationCommandData().Name
	case discordgo.InteractionModalSubmit:
		return i.ModalSubmitData().CustomID
	case discordgo.InteractionMessageComponent:
		return i.MessageComponentData().CustomID
	}
	return ""
}

// userID returns who invoked the interaction, in a guild or a DM.
func userID(i *discordgo.Interaction) string {
	if i.Member != nil && i.Member.User != nil {
		return i.Member.User.ID
	}
	if i.User != nil {
		return i.User.ID
	}
	return ""
}
