// Package alerts tells channels when CISA adds a CVE to its Known
// Exploited Vulnerabilities catalog (/digest alerts): one message per
// addition per channel, saying so when the channel's server was already
// sent a story naming the CVE.
//
// It is a package of its own because it is neither part of a digest (it
// has no schedule, feeds or summaries) nor of package intel (which keeps
// the data and never talks to Discord): it reads what intel stored and
// posts through the same kind of Poster the digests use.
//
// Everything it remembers is in the store: each channel's place in the
// catalog (the FirstSeenAt up to which additions were handled) and a row
// per alert, claimed before the message is posted. A restart picks up
// where the last run stopped, and processes sharing a store post each
// alert once.
package alerts

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/secbrief/secbrief/internal/clock"
	"github.com/secbrief/secbrief/news"
)

// Defaults of zero Options fields.
const (
	// DefaultInterval is how often the job looks for catalog additions;
	// the catalog itself is refreshed hourly by default.
	DefaultInterval = time.Minute
	// DefaultAttempts is how many times an alert is tried before it is
	// given up; between attempts the job waits retryBase, doubled each
	// time (1, 2, 4, ... minutes: about two hours in all).
	DefaultAttempts = 8
)

const (
	retryBase = time.Minute
	retryMax  = time.Hour
	// channelsPerTick bounds the channels one tick handles; more wait for
	// the next tick.
	channelsPerTick = 500
	// entriesPerTick bounds the additions one tick reads (the store
	// returns the last refresh's whole, past it: intel.KEVAdded).
	entriesPerTick = 1000
	// storiesPerAlert is how many of the server's stories an alert reads:
	// one more than render names (two), so a story repeated in two
	// messages still leaves a second one to name.
	storiesPerAlert = 3
)

// Store keeps the alert channels and the alerts sent (*storage.Store).
type Store interface {
	DueKEVAlertChannels(ctx context.Context, limit int) ([]news.KEVAlertChannel, error)
	AdvanceKEVAlerts(ctx context.Context, channelID string, through time.Time) error
	ClaimKEVAlerts(ctx context.Context, guildID, channelID string, cves []string) ([]news.KEVAlertClaim, error)
	KEVAlertsPosted(ctx context.Context, channelID string, cves []string, messageID string) error
	ReleaseKEVAlerts(ctx context.Context, channelID string, cves []string, retryAt time.Time, giveUp bool) error
	KEVAlertsDone(ctx context.Context, channelID string, cves []string) (map[string]bool, error)
	PostedCVEs(ctx context.Context, guildID, cve string, limit int) ([]news.PostedCVE, error)
}

// Intel is the vulnerability data (*intel.Service).
type Intel interface {
	KEVAdded(ctx context.Context, since time.Time, limit int) ([]news.KEVEntry, error)
	Lookup(ctx context.Context, ids ...string) (map[string]news.CVEIntel, error)
}

// Poster posts KEV alerts to Discord; the bot implements it with
// render.KEVAlertMessages.
//
// PostKEVAlerts posts alerts in channelID, in as few messages as
// Discord's limits allow, in order; each create carries a nonce made of
// the channel and the message's CVEs, with enforce_nonce, and no allowed
// mentions. After each create it calls posted with the CVEs the message
// tells and, when posted returns an error, stops and returns it. An error
// that means the channel will never take the message wraps
// news.ErrUndeliverable.
type Poster interface {
	PostKEVAlerts(ctx context.Context, channelID string, alerts []news.KEVAlert, posted func(news.KEVAlertPost) error) error
}

// Clock is the job's time source (the wall clock by default); tests pass
// internal/fakeclock.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) (c <-chan time.Time, stop func() bool)
}

// Options configure a Job. Zero fields take the defaults.
type Options struct {
	Interval time.Duration
	Attempts int
	Clock    Clock
}

// Job posts KEV alerts.
type Job struct {
	store  Store
	intel  Intel
	poster Poster
	opts   Options
	log    *slog.Logger
}

// New returns a Job. A nil logger discards.
func New(store Store, in Intel, poster Poster, opts Options, logger *slog.Logger) *Job {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.Attempts <= 0 {
		opts.Attempts = DefaultAttempts
	}
	if opts.Clock == nil {
		opts.Clock = clock.Wall{}
	}
	return &Job{store: store, intel: in, poster: poster, opts: opts, log: logger}
}

// Run looks for catalog additions every Interval, from now, and alerts
// them, until ctx ends; it returns nil then. A failing tick is logged and
// tried again at the next.
func (j *Job) Run(ctx context.Context) error {
	for {
		if err := j.Tick(ctx); err != nil && ctx.Err() == nil {
			j.log.WarnContext(ctx, "kev alerts", "error", err)
		}
		c, stop := j.opts.Clock.NewTimer(j.opts.Interval)
		select {
		case <-c:
		case <-ctx.Done():
			stop()
			return nil
		}
	}
}

// Tick alerts the catalog additions each channel with alerts on has not
// handled yet: the channels' places and the alerts sent are in the store,
// so a tick after a restart, or in another process, sends nothing twice.
func (j *Job) Tick(ctx context.Context) error {
	channels, err := j.store.DueKEVAlertChannels(ctx, channelsPerTick)
	if err != nil || len(channels) == 0 {
		return err
	}
	since := channels[0].Since // the oldest place first
	entries, err := j.intel.KEVAdded(ctx, since, entriesPerTick)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	var errs []error
	for _, ch := range channels {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := j.channel(ctx, ch, entries); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
