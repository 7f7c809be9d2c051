// Package watchalert announces, within a poll interval, the new feed items
// that match a server's watchlists (issue 15): the feed poller hands each
// poll's new items to Alerter.OnNewItems (only the process that polled a
// feed sees them), which matches them against every watch at once (the
// watch package's index), tells a story's later outlets from a new story
// (storyKey), applies each watch's kev_only and min_severity, summarizes
// the story through the cached summarizer under the server's token budget,
// claims the alert in the store (one per channel and story, across
// restarts and processes) and posts it, pinging only the roles the
// matching watches name. Past a channel's hourly cap (watch.max_alerts_per_hour)
// alerts are held in the store and Run posts them as one message an hour.
package watchalert

import (
	"context"
	"log/slog"
	"time"

	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/watch"
)

// Store is what the Alerter needs from storage; *storage.Store satisfies
// it.
type Store interface {
	// FeedGuilds lists the guilds subscribed to a feed.
	FeedGuilds(ctx context.Context, feedURL string) ([]string, error)
	// AllWatches and WatchesChanged keep the index current (watch.Live).
	watch.Source
	// RecentGuildItems lists a guild's items first stored since a time,
	// oldest first (at most limit, the newest).
	RecentGuildItems(ctx context.Context, guildID string, since time.Time, limit int) ([]news.Item, error)
	// AddWatchAlert claims a channel's alert about a story: false when it
	// was claimed before, by any process.
	AddWatchAlert(ctx context.Context, a news.WatchAlert) (bool, error)
	// WatchAlert returns a claimed alert (news.ErrNotFound when none).
	WatchAlert(ctx context.Context, channelID, storyKey string) (news.WatchAlert, error)
	SetWatchAlertMessage(ctx context.Context, channelID, storyKey, messageID string) error
	ReleaseWatchAlert(ctx context.Context, channelID, storyKey string) error
	// WatchAlertsSince counts a channel's alerts posted on their own (not
	// held for a batch) claimed since a time.
	WatchAlertsSince(ctx context.Context, channelID string, since time.Time) (int, error)
	// HeldWatchAlerts lists the alerts held for a batch and not posted
	// ("" for every channel's), oldest first.
	HeldWatchAlerts(ctx context.Context, channelID string) ([]news.WatchAlert, error)
	PruneWatchAlerts(ctx context.Context, before time.Time) (int, error)
	// TokensOn is a guild's LLM usage on a UTC day, for the budget check.
	TokensOn(ctx context.Context, guildID, day string) (int, error)
	// Claim and Release are job claims across processes: one process
	// posts a channel's batch.
	Claim(ctx context.Context, key string) (bool, error)
	Release(ctx context.Context, key string) error
}

// Poster posts alerts to Discord (bot.DigestPoster). Each create carries
// the nonce given, with enforce_nonce.
type Poster interface {
	PostWatchAlert(ctx context.Context, channelID string, ws news.WatchedStory, nonce string) (string, error)
	PostWatchBatch(ctx context.Context, channelID string, stories []news.WatchedStory, nonce string) (string, error)
}

// Summarizer summarizes a story's article, cache first (the summarizer
// package); Cached answers from the cache alone, at no cost.
type Summarizer interface {
	Summarize(ctx context.Context, a news.Article) (news.Summary, error)
	Cached(ctx context.Context, a news.Article) (news.Summary, bool, error)
}

// Fetcher fetches an article's page when a feed carried only a teaser
// (article.Fetcher).
type Fetcher interface {
	Fetch(ctx context.Context, url string) (news.Article, error)
}

// Intel says what is known of CVEs (intel.Service.Lookup), from the store.
type Intel interface {
	Lookup(ctx context.Context, ids ...string) (map[string]news.CVEIntel, error)
}

// Defaults of zero Config fields.
const (
	// DefaultMaxPerHour is watch.max_alerts_per_hour's default.
	DefaultMaxPerHour = 10
	// DefaultMaxAge: items published longer ago are old news that a feed
	// only now carries (or re-keyed), and alert nothing.
	DefaultMaxAge = 48 * time.Hour
	// DefaultStoryWindow is how far back a new item is compared with the
	// guild's items to tell a later outlet of a story from a new story.
	DefaultStoryWindow = 72 * time.Hour
	// DefaultStoryItems bounds the items compared.
	DefaultStoryItems = 2000
	// DefaultCheckEvery is how often Run looks for batches to post.
	DefaultCheckEvery = time.Minute
	// DefaultRetention is how long alert records are kept (the feed
	// items' retention): a story's item can come back that long.
	DefaultRetention = 30 * 24 * time.Hour
	// batchEvery is the hourly batch: a channel's held alerts are posted
	// once the oldest has waited this long.
	batchEvery = time.Hour
)

// Config wires an Alerter. Store, Poster and Summarizer are required.
type Config struct {
	Store      Store
	Poster     Poster
	Summarizer Summarizer
	Fetcher    Fetcher // optional: teasers are summarized as they are
	// Intel, when set, gives the KEV vendor and product of an item's CVEs
	// to match against, kev_only and a severity raised by KEV and CVSS.
	// Without it a kev_only watch alerts nothing.
	Intel Intel
	// WithGuild attributes LLM usage to a guild and holds it to the
	// guild's budget (summarizer.WithGuild).
	WithGuild func(ctx context.Context, guildID string) context.Context
	// IsTeaser reports whether an item's content is only an excerpt
	// (feeds.IsTeaser); default: never.
	IsTeaser func(news.Item) bool
	// GuildDailyTokens is limits.guild_daily_tokens (0: no budget).
	GuildDailyTokens int
	// MaxPerHour is watch.max_alerts_per_hour (DefaultMaxPerHour).
	MaxPerHour int
	// MaxAge, StoryWindow, StoryItems, CheckEvery and Retention: see the
	// defaults.
	MaxAge      time.Duration
	StoryWindow time.Duration
	StoryItems  int
	CheckEvery  time.Duration
	Retention   time.Duration
	// Now is the clock; NewTicker returns Run's tick channel and its stop
	// function (tests inject a fake clock's).
	Now       func() time.Time
	NewTicker func(d time.Duration) (<-chan time.Time, func())
	Logger    *slog.Logger
}

// Alerter sends watch alerts. It is safe for concurrent use (the poller
// calls OnNewItems from its workers).
type Alerter struct {
	cfg  Config
	log  *slog.Logger
	live *watch.Live // the index of every watch, rebuilt when one changes
}

// New returns an Alerter for cfg, with defaults for zero fields.
func New(cfg Config) *Alerter {
	if cfg.MaxPerHour <= 0 {
		cfg.MaxPerHour = DefaultMaxPerHour
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.StoryWindow <= 0 {
		cfg.StoryWindow = DefaultStoryWindow
	}
	if cfg.StoryItems <= 0 {
		cfg.StoryItems = DefaultStoryItems
	}
	if cfg.CheckEvery <= 0 {
		cfg.CheckEvery = DefaultCheckEvery
	}
	if cfg.Retention <= 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewTicker == nil {
		cfg.NewTicker = func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		}
	}
	if cfg.WithGuild == nil {
		cfg.WithGuild = func(ctx context.Context, _ string) context.Context { return ctx }
	}
	if cfg.IsTeaser == nil {
		cfg.IsTeaser = func(news.Item) bool { return false }
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Alerter{cfg: cfg, log: log, live: watch.NewLive(cfg.Store)}
}
