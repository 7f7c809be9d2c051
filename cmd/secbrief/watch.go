package main

import (
	"context"
	"time"

	"github.com/secbrief/secbrief/feeds"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/summarizer"
	"github.com/secbrief/secbrief/watchalert"
)

// newWatchAlerts builds the watch alert pipeline, posting through poster
// (the bot's REST client). The poller hands it each poll's new items
// (digests.onNewItems), its Run posts the hourly batches once the bot is
// ready (digests.start), and digests put watched stories first.
func (a *app) newWatchAlerts(poster watchalert.Poster) *watchalert.Alerter {
	return a.newWatchAlertsAt(poster, time.Now)
}

// newWatchAlertsAt is newWatchAlerts with the clock now (tests).
func (a *app) newWatchAlertsAt(poster watchalert.Poster, now func() time.Time) *watchalert.Alerter {
	return watchalert.New(watchalert.Config{
		Store:      a.store,
		Poster:     poster,
		Summarizer: a.sum,
		Fetcher:    a.fetcher,
		// What is known of CVEs (KEV products to match, kev_only,
		// severity): the app's intel service, which knows nothing when
		// intel.enabled is false.
		Intel:            a.intel,
		WithGuild:        summarizer.WithGuild,
		IsTeaser:         feeds.IsTeaser,
		GuildDailyTokens: int(a.cfg.Limits.GuildDailyTokens),
		MaxPerHour:       a.cfg.Watch.MaxAlertsPerHour,
		Retention:        feeds.DefaultRetention,
		Now:              now,
		Logger:           a.log,
	})
}

// onNewItems is the poller's feeds.Options.OnNewItems: the new items go to
// the watch alerts, when the bot runs them.
func (d *digests) onNewItems(ctx context.Context, feedURL string, items []news.Item) {
	if d.alerts != nil {
		d.alerts.OnNewItems(ctx, feedURL, items)
	}
}

// Watched is digest.Config.Watched: the stories a guild watches come first
// in its digests (none without the watch alerts).
func (d *digests) Watched(ctx context.Context, guildID string, s news.Story) bool {
	return d.alerts != nil && d.alerts.Watched(ctx, guildID, s)
}

// runAlerts posts the watch alert batches until ctx ends.
func (d *digests) runAlerts(ctx context.Context) {
	if d.alerts == nil {
		return
	}
	if err := d.alerts.Run(ctx); err != nil && ctx.Err() == nil {
		d.log.Error("watch alerts stopped", "err", err)
	}
}
