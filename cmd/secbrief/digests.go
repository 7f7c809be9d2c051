package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/secbrief/secbrief/alerts"
	"github.com/secbrief/secbrief/article"
	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/commands"
	"github.com/secbrief/secbrief/digest"
	"github.com/secbrief/secbrief/feeds"
	"github.com/secbrief/secbrief/internal/defaults"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/summarizer"
	"github.com/secbrief/secbrief/watchalert"
)

// notifier sends a one-off notice to a channel (bot.DigestPoster.Notify).
type notifier func(ctx context.Context, channelID, text string) error

// digests is the feed poller, the digest runner and the scheduler.
type digests struct {
	poller    *feeds.Poller
	runner    *digest.Runner
	scheduler *digest.Scheduler
	stored    *storedSchedules
	alerts    *watchalert.Alerter // nil without the bot (watch.go)
	kev       *alerts.Job         // KEV alerts; nil without the bot or vulnerability data (alerts.go)
	shared    bool                // the store is shared by several processes
	log       *slog.Logger
	wg        sync.WaitGroup

	mu       sync.Mutex
	operator []commands.OperatorDigest // digest.channels, guilds resolved
}

// isOperator reports whether channelID is one of digest.channels.
func (d *digests) isOperator(channelID string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.ContainsFunc(d.operator, func(o commands.OperatorDigest) bool { return o.ChannelID == channelID })
}

// operatorDigests lists the digests of digest.channels that are scheduled.
func (d *digests) operatorDigests() []commands.OperatorDigest {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.operator)
}

// digestConfig is the digest runner's configuration that the bot's
// digests and the terminal's share; each sets its store and poller (and
// the bot its poster and shard rule, digestShard).
func (a *app) digestConfig() digest.Config {
	dc := a.cfg.Digest
	return digest.Config{
		Summarizer:       a.sum,
		Fetcher:          a.fetcher,
		WithGuild:        summarizer.WithGuild,
		IsTeaser:         feeds.IsTeaser,
		MaxItems:         dc.MaxItems,
		MaxCandidates:    dc.MaxCandidates,
		Judge:            mergeJudge(dc.LLMMerge, a.sum),
		Lookback:         dc.Lookback.Duration(),
		GuildDailyTokens: int(a.cfg.Limits.GuildDailyTokens),
		Concurrency:      a.cfg.LLM.Concurrency,
		Lease:            a.cfg.Storage.Lease.Duration(),
		Intel:            a.intel,
		Logger:           a.log,
	}
}

// digestShard is the shard rule of the digests (nil: every guild). With
// a store the processes share (PostgreSQL) every process schedules and
// resumes every guild's digests, and the claims in the store decide which
// one prepares a slot and which one posts a digest; with SQLite a process
// keeps to the guilds of its Discord shard.
func digestShard(shared bool, shardID, shardCount int) func(guildID string) bool {
	if shared {
		return nil
	}
	return bot.InShard(shardID, shardCount)
}

// newDigests wires feeds and digests; poster may be nil for a dry run.
func (a *app) newDigests(poster digest.Poster, notify notifier) *digests {
	d := &digests{shared: a.store.Shared(), log: a.log}
	fc := a.cfg.Feeds
	d.poller = feeds.New(article.NewClient(a.policy), a.store, feeds.Options{
		PollInterval: fc.PollInterval.Duration(),
		MaxFailures:  fc.MaxFailures,
		MaxBodyBytes: a.cfg.Fetch.MaxBytes.Bytes(), // fetch.max_bytes covers feeds too
		UserAgent:    a.cfg.Fetch.UserAgent,
		ErrorText:    commands.FeedProblem, // shown by /feeds list: kinds only
		OnPoll:       a.metrics.FeedPoll,
		OnNewItems:   d.onNewItems,
		OnDisabled: func(ctx context.Context, feedURL string, err error) {
			if notify != nil {
				a.announceDisabled(ctx, notify, feedURL, err, d.operatorDigests())
			}
		},
	}, a.log)
	cfg := a.digestConfig()
	cfg.Store, cfg.Poster, cfg.Poller = a.store, poster, d.poller
	inShard := digestShard(d.shared, a.cfg.Discord.ShardID, a.cfg.Discord.ShardCount)
	cfg.InShard, cfg.Shared = inShard, d.shared
	cfg.Watched = d
	d.runner = digest.NewRunner(cfg)
	d.scheduler = digest.NewScheduler(digest.SchedulerConfig{
		Run:     d.run,
		InShard: inShard,
		Grace:   a.cfg.Digest.Grace.Duration(),
		Logger:  a.log,
	})
	d.stored = newStoredSchedules(a.store, d.scheduler, d.isOperator, a.log)
	return d
}

// run runs a due slot (SchedulerConfig.Run). With a shared store it first
// checks that the slot is still one of the channel's schedule: another
// process may have stopped or moved it.
func (d *digests) run(ctx context.Context, t news.DigestTarget, slot time.Time) {
	if d.shared && !d.stored.current(ctx, t, slot) {
		d.log.Info("scheduled digest skipped: its schedule was stopped or changed", "guild_id", t.GuildID,
			"channel_id", t.ChannelID, "slot", slot.UTC())
		if err := d.stored.sync(ctx); err != nil {
			d.log.Warn("sync digest schedules", "err", err)
		}
		return
	}
	d.runner.RunScheduled(ctx, t, slot)
}

// guildOf finds the guild a channel belongs to (from Discord), for
// digest.channels entries written without guild_id.
type guildOf func(ctx context.Context, channelID string) (string, error)

// start resumes digests interrupted by a crash, loads the schedules from
// the config and the store, and starts the scheduler, the poller and the
// takeover of digests whose process died. They stop when ctx ends.
func (d *digests) start(ctx context.Context, a *app, lookup guildOf) error {
	if err := d.runner.Resume(ctx); err != nil {
		a.log.Error("resume unfinished digests", "err", err)
	}
	for i, ch := range a.cfg.Digest.Channels {
		sched, err := ch.Cron()
		if err != nil {
			return fmt.Errorf("digest.channels[%d].schedule: %w", i, err)
		}
		if ch.GuildID == "" {
			if ch.GuildID, err = lookup(ctx, ch.ChannelID); err != nil {
				a.log.Error("digest not scheduled: cannot find the channel's guild; set digest.channels[].guild_id",
					"index", i, "channel_id", ch.ChannelID, "err", err)
				continue
			}
		}
		if _, err := a.store.SeedGuild(ctx, ch.GuildID, a.cfg.Feeds.Defaults); err != nil {
			return fmt.Errorf("seed feeds of guild %s: %w", ch.GuildID, err)
		}
		d.scheduler.Set(news.DigestTarget{GuildID: ch.GuildID, ChannelID: ch.ChannelID}, sched)
		d.mu.Lock()
		d.operator = append(d.operator, commands.OperatorDigest{GuildID: ch.GuildID, ChannelID: ch.ChannelID, Schedule: ch.Schedule, Timezone: ch.Timezone})
		d.mu.Unlock()
	}
	if err := d.stored.sync(ctx); err != nil {
		return err
	}
	d.scheduler.Start(ctx)
	d.wg.Go(func() {
		if err := d.poller.Run(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("feed poller stopped", "err", err)
		}
	})
	d.wg.Go(func() { d.takeOver(ctx, a.cfg.Storage.Lease.Duration()/2) })
	d.wg.Go(func() { d.runAlerts(ctx) })
	return nil
}

// takeOver resumes, every interval, the digests whose process died (or
// hung) while posting them, once their lease lapsed (Runner.TakeOver),
// and, with a shared store, syncs the stored schedules other processes
// may have changed, until ctx ends.
func (d *digests) takeOver(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = defaults.StorageLease / 2
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := d.runner.TakeOver(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("take over digests of stopped processes", "err", err)
		}
		if !d.shared {
			continue
		}
		if err := d.stored.sync(ctx); err != nil && ctx.Err() == nil {
			d.log.Warn("sync digest schedules", "err", err)
		}
	}
}

// stop stops the scheduler and waits for the poller (whose context must
// have ended), so the store can be closed.
func (d *digests) stop() {
	d.scheduler.Stop()
	d.wg.Wait()
}

// announceDisabled tells each channel that gets digests from a feed, once,
// that the feed was disabled: the channels of /digest setup and those of
// operator (digest.channels).
func (a *app) announceDisabled(ctx context.Context, notify notifier, feedURL string, cause error, operator []commands.OperatorDigest) {
	guilds, err := a.store.FeedGuilds(ctx, feedURL)
	if err != nil {
		a.log.Error("feed disabled: find guilds", "feed_url", feedURL, "err", err)
		return
	}
	if in := bot.InShard(a.cfg.Discord.ShardID, a.cfg.Discord.ShardCount); in != nil {
		guilds = slices.DeleteFunc(guilds, func(g string) bool { return !in(g) }) // other shards tell theirs
	}
	channels := map[string]bool{}
	for _, ch := range operator {
		if slices.Contains(guilds, ch.GuildID) {
			channels[ch.ChannelID] = true
		}
	}
	stored, err := a.store.DigestSchedules(ctx, true)
	if err != nil {
		a.log.Error("feed disabled: find channels", "feed_url", feedURL, "err", err)
	}
	for _, s := range stored {
		if slices.Contains(guilds, s.GuildID) {
			channels[s.ChannelID] = true
		}
	}
	text := commands.FeedDisabledNotice(feedURL, a.cfg.Feeds.MaxFailures, cause)
	for ch := range channels {
		if err := notify(ctx, ch, text); err != nil {
			a.log.Warn("feed disabled: notify channel", "channel_id", ch, "feed_url", feedURL, "err", err)
		}
	}
}

// discoverer returns /feeds add's feed discovery over the safe client.
func (a *app) discoverer() commands.DiscoverFunc {
	client := article.NewClient(a.policy)
	return func(ctx context.Context, rawURL string) (string, news.Feed, []news.Item, error) {
		if _, err := article.CheckURL(rawURL, a.policy); err != nil {
			return "", news.Feed{}, nil, err
		}
		return feeds.Discover(ctx, client, rawURL)
	}
}
