package commands

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/robfig/cron/v3"

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
}

// OperatorDigest is a digest the operator declared in the configuration.
type OperatorDigest struct {
	GuildID, ChannelID, Schedule, Timezone string
}

// Admin is the /digest and /feeds commands, for members with Manage Server.
type Admin struct {
	discord   Discord
	store     AdminStore
	runner    DigestRunner
	scheduler Scheduler
	discover  DiscoverFunc
	opts      AdminOptions
	log       *slog.Logger
}

// NewAdmin returns the admin commands extension.
func NewAdmin(d Discord, st AdminStore, runner DigestRunner, sched Scheduler, discover DiscoverFunc, opts AdminOptions, logger *slog.Logger) *Admin {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Admin{discord: d, store: st, runner: runner, scheduler: sched, discover: discover, opts: opts, log: logger}
}

// operatorDigests returns the configured digests (none when unset).
func (a *Admin) operatorDigests() []OperatorDigest {
	if a.opts.OperatorDigests == nil {
		return nil
	}
	return a.opts.OperatorDigests()
}

// Handles reports whether name is /digest or /feeds.
func (a *Admin) Handles(name string) bool { return name == cmdDigest || name == cmdFeeds }

// HandleInteraction routes /digest and /feeds subcommands and their
// autocompletes, after the Manage Server check.
func (a *Admin) HandleInteraction(ctx context.Context, i *discordgo.Interaction) error {
	rep := newReply(ctx, a.discord, i, a.log)
	data := i.ApplicationCommandData()
	if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
		return a.autocomplete(ctx, rep, data)
	}
	return finish(rep, data.Name, a.handle(ctx, rep, data), a.log)
}

func (a *Admin) handle(ctx context.Context, rep *reply, data discordgo.ApplicationCommandInteractionData) error {
	if rep.i.GuildID == "" {
		return userErrorf("This command only works in a server.")
	}
	if !canManage(rep.i) {
		return userErrorf("You need the Manage Server permission to change digests and feeds.")
	}
	if len(data.Options) == 0 {
		return userErrorf("Pick a subcommand.")
	}
	// Every admin answer is private and some take a while (fetching a
	// feed, a whole digest): acknowledge first.
	if err := rep.deferResponse(true); err != nil {
		return fmt.Errorf("defer: %w", err)
	}
	if _, err := a.store.SeedGuild(ctx, rep.i.GuildID, a.opts.DefaultFeeds); err != nil {
		return fmt.Errorf("seed guild feeds: %w", err)
	}
	sub := data.Options[0]
	opts := optionMap(sub.Options)
	switch data.Name + " " + sub.Name {
	case "digest setup":
		return a.digestSetup(ctx, rep, opts)
	case "digest status":
		return a.digestStatus(ctx, rep)
	case "digest off":
		return a.digestOff(ctx, rep)
	case "digest now":
		return a.digestNow(ctx, rep)
	case "feeds list":
		return a.feedsList(ctx, rep)
	case "feeds add":
		return a.feedsAdd(ctx, rep, opts)
	case "feeds remove":
		return a.feedsRemove(ctx, rep, opts)
	}
	return userErrorf("Unknown subcommand %q.", sub.Name)
}

// canManage reports whether the invoking member may use the admin
// commands: Manage Server or Administrator, in a guild.
func canManage(i *discordgo.Interaction) bool {
	return i.Member != nil && i.Member.Permissions&(manageGuild|discordgo.PermissionAdministrator) != 0
}

// optionMap indexes options by name.
func optionMap(opts []*discordgo.ApplicationCommandInteractionDataOption) map[string]*discordgo.ApplicationCommandInteractionDataOption {
	m := make(map[string]*discordgo.ApplicationCommandInteractionDataOption, len(opts))
	for _, o := range opts {
		m[o.Name] = o
	}
	return m
}

// stringOpt returns a string option's trimmed value, "" when absent.
func stringOpt(m map[string]*discordgo.ApplicationCommandInteractionDataOption, name string) string {
	if o, ok := m[name]; ok {
		if s, ok := o.Value.(string); ok {
			return strings.TrimSpace(s)
		}
	}
	return ""
}
