package commands

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/robfig/cron/v3"

	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/news"
)

// Command names of the admin commands.
const (
	cmdDigest = "digest"
	cmdFeeds  = "feeds"
)

// manageGuild is the Manage Server permission that the admin commands
// require, both as their default_member_permissions and on the server side.
const manageGuild int64 = discordgo.PermissionManageGuild

// DigestRunner posts a digest at once (digest.Runner).
type DigestRunner interface {
	Now(ctx context.Context, t news.DigestTarget) (news.DigestResult, error)
}

// Scheduler holds the running digest schedules (digest.Scheduler).
type Scheduler interface {
	Set(t news.DigestTarget, s cron.Schedule) bool
	Remove(channelID string)
	Next(channelID string) time.Time
}

// AdminStore is what the admin commands keep: schedules, digests and the
// guilds' feeds (package storage).
type AdminStore interface {
	PutDigestSchedule(ctx context.Context, d news.DigestSchedule) error
	DisableDigestSchedules(ctx context.Context, guildID string) (int, error)
	GuildDigestSchedules(ctx context.Context, guildID string) ([]news.DigestSchedule, error)
	LastPostedDigest(ctx context.Context, channelID string) (news.DigestRun, error)
	SeedGuild(ctx context.Context, guildID string, feedURLs []string) (bool, error)
	Subscribe(ctx context.Context, guildID, feedURL, title string) (bool, error)
	Unsubscribe(ctx context.Context, guildID, feedURL string) (bool, error)
	GuildFeeds(ctx context.Context, guildID string) ([]news.FeedState, error)
	AddItems(ctx context.Context, feedURL string, items []news.Item) (int, error)
}

// DiscoverFunc finds and parses the feed at a URL, or the feed a page
// links to (feeds.Discover with the safe client).
type DiscoverFunc func(ctx context.Context, rawURL string) (feedURL string, feed news.Feed, items []news.Item, err error)

// AdminOptions configure the admin commands.
type AdminOptions struct {
	// DefaultFeeds are the feeds a guild starts with (config feeds.defaults).
	DefaultFeeds []string
	// OperatorDigests lists the digests declared in the configuration
	// (digest.channels): shown by /digest status, untouched by /digest off.
	// A func, because their guilds may only be known once Discord is up.
	OperatorDigests func() []OperatorDigest
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// KEVAlerts keeps the KEV alert channels and ChannelGuild tells which
	// server a channel is in (/digest alerts); nil when vulnerability
	// intelligence is off.
	KEVAlerts    KEVAlertStore
	ChannelGuild ChannelGuildFunc
}

// OperatorDigest is a digest the operator declared in the configuration.
type OperatorDigest struct {
	GuildID, ChannelID, Schedule, Timezone string
}

// Notifier posts a notice in a channel (bot.DigestPoster).
type Notifier interface {
	Notify(ctx context.Context, channelID, text string) error
}

// Admin is the /digest and /feeds commands, for members with Manage Server.
type Admin struct {
	store     AdminStore
	runner    DigestRunner
	scheduler Scheduler
	discover  DiscoverFunc
	notifier  Notifier
	opts      AdminOptions
	log       *slog.Logger
}

// NewAdmin returns the admin commands; notifier proves that the bot may
// post in a digest's channel.
func NewAdmin(st AdminStore, runner DigestRunner, sched Scheduler, discover DiscoverFunc, notifier Notifier, opts AdminOptions, logger *slog.Logger) *Admin {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Admin{store: st, runner: runner, scheduler: sched, discover: discover, notifier: notifier, opts: opts, log: logger}
}

// operatorDigests returns the configured digests (none when unset).
func (a *Admin) operatorDigests() []OperatorDigest {
	if a.opts.OperatorDigests == nil {
		return nil
	}
	return a.opts.OperatorDigests()
}

// handle checks the member may change digests and feeds, then leaves the
// subcommand for later: every admin answer is private and some take a
// while (fetching a feed, a whole digest).
func (a *Admin) handle(_ context.Context, req bot.Request) (bot.Response, error) {
	if req.GuildID == "" {
		return bot.Response{}, userErrorf("This command only works in a server.")
	}
	if !canManage(req) {
		return bot.Response{}, userErrorf("You need the Manage Server permission to change digests and feeds.")
	}
	if req.Subcommand == "" {
		return bot.Response{}, userErrorf("Pick a subcommand.")
	}
	return bot.Response{Later: func(ctx context.Context) (bot.Response, error) {
		if _, err := a.store.SeedGuild(ctx, req.GuildID, a.opts.DefaultFeeds); err != nil {
			return bot.Response{}, fmt.Errorf("seed guild feeds: %w", err)
		}
		return a.subcommand(ctx, req)
	}}, nil
}

// subcommand runs the invoked subcommand.
func (a *Admin) subcommand(ctx context.Context, req bot.Request) (bot.Response, error) {
	switch req.Name + " " + req.Subcommand {
	case "digest setup":
		return a.digestSetup(ctx, req)
	case "digest status":
		return a.digestStatus(ctx, req)
	case "digest off":
		return a.digestOff(ctx, req)
	case "digest now":
		return a.digestNow(ctx, req)
	case "digest alerts":
		return a.digestAlerts(ctx, req)
	case "feeds list":
		return a.feedsList(ctx, req)
	case "feeds add":
		return a.feedsAdd(ctx, req)
	case "feeds remove":
		return a.feedsRemove(ctx, req)
	}
	return bot.Response{}, userErrorf("Unknown subcommand %q.", req.Subcommand)
}

// canManage reports whether the invoking member may use the admin
// commands: Manage Server or Administrator, in a guild.
func canManage(req bot.Request) bool {
	return req.GuildID != "" && req.Permissions&(manageGuild|discordgo.PermissionAdministrator) != 0
}

// privately is a private answer of content.
func privately(content string) bot.Response {
	return bot.Response{Content: content, Private: true}
}
