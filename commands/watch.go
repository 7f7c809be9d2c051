package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/internal/defaults"
	"github.com/secbrief/secbrief/internal/invisible"
	"github.com/secbrief/secbrief/news"
)

// cmdWatch is /watch add|list|remove.
const cmdWatch = "watch"

// WatchStore is what /watch keeps and reads (package storage): the
// watches, and the digests posted in the guild's channels, whose stories
// name the products autocomplete suggests.
type WatchStore interface {
	AddWatch(ctx context.Context, w news.Watch, maxPerGuild int) (news.Watch, error)
	GuildWatches(ctx context.Context, guildID string) ([]news.Watch, error)
	RemoveWatch(ctx context.Context, guildID, term string) (int, error)
	GuildDigestSchedules(ctx context.Context, guildID string) ([]news.DigestSchedule, error)
	PostedStories(ctx context.Context, channelID string, since time.Time) ([]news.PostedStory, error)
}

// KEVCatalog suggests vendor and product names from CISA's KEV catalog
// (intel.Service.KEVProducts).
type KEVCatalog interface {
	KEVProducts(ctx context.Context, prefix string, limit int) ([]news.KEVProduct, error)
}

// WatchOptions configure /watch.
type WatchOptions struct {
	// MaxTermsPerGuild is config watch.max_terms_per_guild (its default
	// when zero).
	MaxTermsPerGuild int
	// KEV suggests vendor and product names to /watch add; nil suggests
	// only names from the server's recent stories.
	KEV KEVCatalog
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// storyNamesWindow is how far back /watch add's autocomplete looks for
// names in the guild's posted digests, and storyNamesTTL how long it keeps
// what it found (autocomplete asks on every key stroke).
const (
	storyNamesWindow = 14 * 24 * time.Hour
	storyNamesTTL    = 10 * time.Minute
)

// Watches is the /watch command, for members with Manage Server.
type Watches struct {
	store WatchStore
	opts  WatchOptions
	log   *slog.Logger

	mu    sync.Mutex
	names map[string]storyNames // by guild
}

// storyNames are the names a guild's recent stories offer, as of at.
type storyNames struct {
	names []string
	at    time.Time
}

// NewWatches returns the /watch command.
func NewWatches(st WatchStore, opts WatchOptions, logger *slog.Logger) *Watches {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxTermsPerGuild <= 0 {
		opts.MaxTermsPerGuild = defaults.WatchMaxTermsPerGuild
	}
	return &Watches{store: st, opts: opts, log: logger, names: map[string]storyNames{}}
}

// Commands returns the /watch entry: private answers, in servers only,
// visible by default to members with Manage Server.
func (w *Watches) Commands() []bot.Command {
	return []bot.Command{{Definition: watchDefinition(), MayDefer: true, Private: always, Handle: w.handle, Autocomplete: w.autocomplete}}
}

// watchDefinition is /watch add|list|remove.
func watchDefinition() *discordgo.ApplicationCommand {
	perm := manageGuild
	guildOnly := []discordgo.InteractionContextType{discordgo.InteractionContextGuild}
	minTerm := news.MinWatchTermLen
	term := func(desc string) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: "term", Description: desc,
			Required: true, Autocomplete: true, MinLength: &minTerm, MaxLength: news.MaxWatchTermLen}
	}
	var severities []*discordgo.ApplicationCommandOptionChoice
	for _, s := range []news.Severity{news.SeverityCritical, news.SeverityHigh, news.SeverityMedium, news.SeverityLow} {
		severities = append(severities, &discordgo.ApplicationCommandOptionChoice{Name: string(s) + " or worse", Value: string(s)})
	}
	return &discordgo.ApplicationCommand{
		Name:                     cmdWatch,
		Description:              "Alerts when new stories mention what you run",
		DefaultMemberPermissions: &perm,
		Contexts:                 &guildOnly,
		Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "add", Description: "Watch a vendor, product, keyword or CVE id",
				Options: []*discordgo.ApplicationCommandOption{
					term("Vendor, product, keyword or CVE id, e.g. Ivanti Connect Secure"),
					{Type: discordgo.ApplicationCommandOptionChannel, Name: "channel", Description: "Where alerts go (default: this channel)",
						ChannelTypes: []discordgo.ChannelType{discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildNews}},
					{Type: discordgo.ApplicationCommandOptionRole, Name: "role", Description: "Role to ping with each alert (default: ping no one)"},
					{Type: discordgo.ApplicationCommandOptionString, Name: "min_severity", Description: "Only stories summarized at least this severe",
						Choices: severities},
					{Type: discordgo.ApplicationCommandOptionBoolean, Name: "kev_only", Description: "Only stories naming a CVE known to be exploited (CISA KEV)"},
				}},
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "list", Description: "List this server's watched terms"},
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "remove", Description: "Stop watching a term (in every channel)",
				Options: []*discordgo.ApplicationCommandOption{term("The watched term")}},
		},
	}
}

// handle checks the member may manage the server and runs the subcommand.
func (w *Watches) handle(ctx context.Context, req bot.Request) (bot.Response, error) {
	if req.GuildID == "" {
		return bot.Response{}, userErrorf("This command only works in a server.")
	}
	if !canManage(req) {
		return bot.Response{}, userErrorf("You need the Manage Server permission to change watches.")
	}
	switch req.Subcommand {
	case "add":
		return w.add(ctx, req)
	case "list":
		return w.list(ctx, req)
	case "remove":
		return w.remove(ctx, req)
	case "":
		return bot.Response{}, userErrorf("Pick a subcommand.")
	}
	return bot.Response{}, userErrorf("Unknown subcommand %q.", req.Subcommand)
}

// add handles /watch add.
func (w *Watches) add(ctx context.Context, req bot.Request) (bot.Response, error) {
	term, err := watchTerm(req.String("term"))
	if err != nil {
		return bot.Response{}, err
	}
	watch := news.Watch{GuildID: req.GuildID, ChannelID: req.String("channel"), Term: term,
		RoleID: req.String("role"), KEVOnly: req.Bool("kev_only"), CreatedBy: req.UserID}
	if watch.ChannelID == "" {
		watch.ChannelID = req.ChannelID
	}
	if err := checkPingRole(req, watch.RoleID); err != nil {
		return bot.Response{}, err
	}
	if s := req.String("min_severity"); s != "" {
		sev, err := news.ParseSeverity(s)
		if err != nil {
			return bot.Response{}, userErrorf("%q is not a severity: pick critical, high, medium or low.", s)
		}
		watch.MinSeverity = sev
	}
	added, err := w.store.AddWatch(ctx, watch, w.opts.MaxTermsPerGuild)
	switch {
	case errors.Is(err, news.ErrWatchExists):
		return bot.Response{}, userErrorf("<#%s> already watches %s.", watch.ChannelID, codeSpan(term))
	case errors.Is(err, news.ErrTooManyWatches):
		return bot.Response{}, userErrorf("This server already has %d watches, the most it may have: remove one with `/watch remove` first.",
			w.opts.MaxTermsPerGuild)
	case err != nil:
		return bot.Response{}, fmt.Errorf("add watch: %w", err)
	}
	w.log.InfoContext(ctx, "watch added", "guild_id", added.GuildID, "channel_id", added.ChannelID, "watch_id", added.ID)
	return privately(fmt.Sprintf("Watching %s in <#%s>: %s", codeSpan(added.Term), added.ChannelID, describeWatch(added))), nil
}

// watchTerm is the term typed, normalized, or the UserError saying why it
// cannot be watched.
func watchTerm(typed string) (string, error) {
	term := news.NormalizeWatchTerm(typed)
	if n := news.WatchTermLen(typed); n < news.MinWatchTermLen || n > news.MaxWatchTermLen {
		return "", userErrorf("A term is %d to %d characters long; this one has %d.", news.MinWatchTermLen, news.MaxWatchTermLen, n)
	}
	if strings.ContainsFunc(term, func(r rune) bool { return invisible.Is(r) || r == utf8.RuneError }) {
		return "", userErrorf("A term can't contain invisible or control characters.")
	}
	if !strings.ContainsFunc(term, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		return "", userErrorf("A term needs at least one letter or digit.")
	}
	return term, nil
}

// checkPingRole refuses a role alerts cannot ping as the watch would
// promise: @everyone (whose id is the guild's), which alerts never ping,
// and a role the bot cannot mention (not mentionable, and the bot lacks
// Mention Everyone, which lets it mention any role).
func checkPingRole(req bot.Request, roleID string) error {
	if roleID == "" {
		return nil
	}
	if roleID == req.GuildID {
		return userErrorf("Alerts never ping @everyone: pick a role to ping, or none for alerts that ping no one.")
	}
	role := req.Roles[roleID]
	if role == nil {
		return userErrorf("I couldn't see that role; try again, or pick another.")
	}
	if !role.Mentionable && req.AppPermissions&(discordgo.PermissionMentionEveryone|discordgo.PermissionAdministrator) == 0 {
		return userErrorf("I can't ping <@&%s>: the role isn't mentionable and I don't have the Mention Everyone permission. "+
			"Allow anyone to mention the role (Server Settings → Roles) or give me that permission, then add the watch again.", roleID)
	}
	return nil
}

// describeWatch says what a watch alerts about and whom it pings.
func describeWatch(w news.Watch) string {
	var parts []string
	if w.MinSeverity != "" {
		parts = append(parts, "stories summarized "+string(w.MinSeverity)+" or worse")
	}
	if w.KEVOnly {
		parts = append(parts, "naming a CVE known to be exploited (KEV)")
	}
	what := "new stories of this server's feeds that mention it"
	if len(parts) > 0 {
		what += ", " + strings.Join(parts, ", ")
	}
	if w.RoleID != "" {
		return what + "; alerts ping <@&" + w.RoleID + ">."
	}
	return what + "; alerts ping no one."
}

// list handles /watch list.
func (w *Watches) list(ctx context.Context, req bot.Request) (bot.Response, error) {
	ws, err := w.store.GuildWatches(ctx, req.GuildID)
	if err != nil {
		return bot.Response{}, fmt.Errorf("load watches: %w", err)
	}
	if len(ws) == 0 {
		return privately("This server watches no terms. Add one with `/watch add term:`."), nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**%d of %d watches**\n", len(ws), w.opts.MaxTermsPerGuild)
	for _, x := range ws {
		fmt.Fprintf(&b, "- %s in <#%s>", codeSpan(x.Term), x.ChannelID)
		if x.RoleID != "" {
			fmt.Fprintf(&b, " · pings <@&%s>", x.RoleID)
		}
		if x.MinSeverity != "" {
			fmt.Fprintf(&b, " · %s or worse", x.MinSeverity)
		}
		if x.KEVOnly {
			b.WriteString(" · KEV only")
		}
		b.WriteString("\n")
	}
	return privately(b.String()), nil
}

// remove handles /watch remove.
func (w *Watches) remove(ctx context.Context, req bot.Request) (bot.Response, error) {
	term := news.NormalizeWatchTerm(req.String("term"))
	if term == "" {
		return bot.Response{}, userErrorf("Give the term to stop watching.")
	}
	n, err := w.store.RemoveWatch(ctx, req.GuildID, term)
	if err != nil {
		return bot.Response{}, fmt.Errorf("remove watch: %w", err)
	}
	if n == 0 {
		return bot.Response{}, userErrorf("This server doesn't watch %s; `/watch list` shows what it watches.", codeSpan(term))
	}
	w.log.InfoContext(ctx, "watch removed", "guild_id", req.GuildID, "watches", n)
	where := "1 channel"
	if n > 1 {
		where = fmt.Sprintf("%d channels", n)
	}
	return privately(fmt.Sprintf("Stopped watching %s (%s).", codeSpan(term), where)), nil
}

// codeSpan shows a user's term as inline code: no markdown, link or
// mention inside it takes effect. Backticks, which would end the span,
// become look-alike primes.
func codeSpan(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "ʹ") + "`"
}
