package feeds

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/singleflight"

	"github.com/secbrief/secbrief/internal/defaults"
	"github.com/secbrief/secbrief/news"
)

// Store is what the poller needs from storage; *storage.Store satisfies it.
// Processes sharing a store poll each feed once: a poller claims a feed
// (a lease in the store, which lapses if its process dies) before it
// polls it, and saving the feed's state gives the claim back.
type Store interface {
	// ClaimDueFeeds claims for this process, until now plus the store's
	// lease, up to limit (all when limit <= 0) of the enabled, subscribed
	// feeds whose next poll time is at or before now and that no other
	// process holds, and returns their states, never-polled feeds first,
	// then the longest overdue. The process's own live claims are not
	// returned again.
	ClaimDueFeeds(ctx context.Context, now time.Time, limit int) ([]news.FeedState, error)
	// ClaimFeed claims one feed for this process until now plus the lease
	// (renewing a claim it holds) and returns the feed's current state and
	// whether it got it: false means another process is polling the feed.
	ClaimFeed(ctx context.Context, feedURL string, now time.Time) (news.FeedState, bool, error)
	// ReleaseFeed gives back this process's claim on a feed without saving
	// a state (a poll cut short or not made).
	ReleaseFeed(ctx context.Context, feedURL string) error
	// FeedState returns a feed's polling state; a feed never polled has a
	// zero state with its URL set.
	FeedState(ctx context.Context, feedURL string) (news.FeedState, error)
	// SaveFeedState records the state after a poll and gives back this
	// process's claim on the feed.
	SaveFeedState(ctx context.Context, st news.FeedState) error
	// AddNewItems stores a feed's items and returns those that were new,
	// as stored.
	AddNewItems(ctx context.Context, feedURL string, items []news.Item) ([]news.Item, error)
	// PruneItems deletes items older than before that their feed stopped
	// carrying before then, and returns how many.
	PruneItems(ctx context.Context, before time.Time) (int, error)
}

// Options tune a Poller. Zero values take the defaults.
type Options struct {
	// PollInterval is how often Run polls and how long a healthy feed waits
	// between polls (default DefaultPollInterval).
	PollInterval time.Duration
	// Workers bounds concurrent fetches (default 8).
	Workers int
	// FeedTimeout bounds one feed's fetch and read (default 30s), so a slow
	// feed never holds the others.
	FeedTimeout time.Duration
	// MaxFailures consecutive failures disable a feed (default
	// DefaultMaxFailures).
	MaxFailures int
	// MaxBackoff caps the wait after failures (default 24h).
	MaxBackoff time.Duration
	// MaxBodyBytes caps a feed body (default DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// Retention is how long items are kept after their feed stopped
	// carrying them (default 30 days); Run prunes older ones once a day.
	// It must be well beyond the digest look-back.
	Retention time.Duration
	// Fresh is how recently a healthy feed may have been polled for
	// PollFeeds to skip it (default 1m): many guilds whose digests run at
	// the same minute share one fetch of a common feed, not one each.
	Fresh time.Duration
	// UserAgent is sent with every request; empty leaves it to the client
	// (the SSRF-safe client sends fetch.user_agent).
	UserAgent string
	// OnDisabled is called once when a feed gets disabled, with the error
	// of its last poll, so the channels that use it can be told.
	OnDisabled func(ctx context.Context, feedURL string, err error)
	// ErrorText turns a failed poll's error into the feed's stored
	// LastError, which /feeds list shows to every guild that follows the
	// feed: it must say what kind of failure it was and never repeat an
	// address, a dial error or the server's text (commands.FeedProblem).
	// The default says only that the poll failed; the log has the error.
	ErrorText func(err error) string
	// OnNewItems, when set, is given the items a poll stored for the first
	// time (FeedURL and FeedTitle set), after the feed's state is saved,
	// so watch alerts go out within a poll interval. Only the process that
	// polled the feed sees them, once. It is not called on a feed's first
	// poll (its items are the feed's past, not news) nor for items stored
	// any other way (/feeds add marks a feed's items seen). It runs on the
	// poll's worker: a slow hook delays that worker's next feed.
	OnNewItems func(ctx context.Context, feedURL string, items []news.Item)
	// OnPoll, when set, is told the outcome of each feed a round of
	// polling took up: "ok" (fetched, items stored), "not_modified" (304),
	// "error" (the fetch, the parse or storing failed) or "skipped" (left
	// alone: disabled, backing off, polled moments ago by another caller,
	// or being polled by another process). A poll cut short by shutdown is
	// not told.
	OnPoll func(outcome string)
	// Now is the clock (default time.Now).
	Now func() time.Time
	// NewTicker returns Run's tick channel and its stop function (default a
	// time.Ticker).
	NewTicker func(d time.Duration) (<-chan time.Time, func())
	// Jitter returns a random duration in [0, n) added to backoffs so
	// failing feeds spread out (default math/rand/v2).
	Jitter func(n time.Duration) time.Duration
}

// Poller polls feeds and stores their new items. It is safe for concurrent
// use; concurrent polls of one feed share one fetch, and pollers of
// several processes sharing a store never poll one feed at once (see
// Store).
type Poller struct {
	client *http.Client
	store  Store
	opts   Options
	logger *slog.Logger
	parse  func(body []byte, feedURL string) (news.Feed, []news.Item, error)
	flight singleflight.Group
}

// New returns a Poller that fetches through client (production passes the
// SSRF-safe client) and keeps state in store. A nil logger discards logs.
func New(client *http.Client, store Store, opts Options, logger *slog.Logger) *Poller {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.Workers <= 0 {
		opts.Workers = 8
	}
	if opts.FeedTimeout <= 0 {
		opts.FeedTimeout = 30 * time.Second
	}
	if opts.MaxFailures <= 0 {
		opts.MaxFailures = DefaultMaxFailures
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 24 * time.Hour
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Retention <= 0 {
		opts.Retention = DefaultRetention
	}
	if opts.Fresh <= 0 {
		opts.Fresh = time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.OnPoll == nil {
		opts.OnPoll = func(string) {}
	}
	if opts.NewTicker == nil {
		opts.NewTicker = func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		}
	}
	if opts.ErrorText == nil {
		opts.ErrorText = func(error) string { return "the last poll failed" }
	}
	if opts.Jitter == nil {
		opts.Jitter = func(n time.Duration) time.Duration {
			if n <= 0 {
				return 0
			}
			return rand.N(n)
		}
	}
	return &Poller{client: client, store: store, opts: opts, logger: logger, parse: Parse}
}

// Defaults of zero Options fields; those of feeds.poll_interval and
// feeds.max_failures come from internal/defaults, which config.Default
// takes too.
const (
	// DefaultPollInterval is Options.PollInterval's default.
	DefaultPollInterval = defaults.FeedPollInterval
	// DefaultMaxFailures is Options.MaxFailures's default.
	DefaultMaxFailures = defaults.FeedMaxFailures
	// DefaultRetention is Options.Retention's default.
	DefaultRetention = 30 * 24 * time.Hour
)

// pruneEvery is how often Run prunes old items.
const pruneEvery = 24 * time.Hour

// Run polls the due feeds now and then every PollInterval until ctx ends,
// and prunes old items (Options.Retention) at start and once a day.
func (p *Poller) Run(ctx context.Context) error {
	tick, stop := p.opts.NewTicker(p.opts.PollInterval)
	defer stop()
	var pruned time.Time
	for {
		if now := p.opts.Now(); pruned.IsZero() || now.Sub(pruned) >= pruneEvery {
			pruned = now
			p.prune(ctx, now)
		}
		res, err := p.PollDue(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			p.logger.ErrorContext(ctx, "poll feeds", "err", err)
		case res.Polled > 0:
			p.logger.InfoContext(ctx, "polled feeds", "polled", res.Polled, "not_modified", res.NotModified,
				"failed", res.Failed, "new_items", res.NewItems)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick:
		}
	}
}

// PollDue polls the enabled feeds that are due and that no other process
// holds, at most Workers at once. It claims them about Workers at a time
// as workers come free, so that processes sharing a store share the feeds
// and no claim waits long for its poll.
func (p *Poller) PollDue(ctx context.Context) (news.PollResult, error) {
	r := p.newRound()
	// taken holds the feeds this round took up. One whose poll ended
	// without a saved state (its items could not be stored) was given back
	// and is due again at once, first in line: the next round retries it,
	// not this one. Each claim asks for as many more as came back last
	// time, so such feeds cannot crowd out the rest of the round.
	taken := map[string]bool{}
	limit := p.opts.Workers
	var err error
	for ctx.Err() == nil {
		batch, cerr := p.store.ClaimDueFeeds(ctx, p.opts.Now(), limit)
		if cerr != nil {
			err = fmt.Errorf("poll due feeds: %w", cerr)
			break
		}
		back := 0
		for _, st := range batch {
			if taken[st.URL] || ctx.Err() != nil {
				back++
				p.release(ctx, st.URL)
				continue
			}
			taken[st.URL] = true
			r.poll(ctx, st)
		}
		if len(batch) < limit {
			break // every due feed free to take was in this batch
		}
		limit = p.opts.Workers + back
	}
	return r.wait(), err
}

// PollFeeds polls the given feeds now (right before a digest), skipping
// disabled feeds, feeds that are backing off or were told to retry later,
// healthy feeds polled less than Options.Fresh ago, and feeds another
// process is polling (it claims each feed it polls).
func (p *Poller) PollFeeds(ctx context.Context, urls []string) (news.PollResult, error) {
	now := p.opts.Now()
	r := p.newRound()
	var errs []error
	for _, u := range urls {
		if ctx.Err() != nil {
			break
		}
		st, err := p.store.FeedState(ctx, u)
		if err != nil {
			p.opts.OnPoll("error")
			errs = append(errs, fmt.Errorf("feed state %s: %w", u, err))
			continue
		}
		if st.URL == "" {
			st.URL = u
		}
		if st.Disabled() || (st.Failures > 0 && st.NextPollAt.After(now)) {
			p.opts.OnPoll("skipped")
			continue
		}
		if st.Failures == 0 && !st.LastPolledAt.IsZero() && now.Sub(st.LastPolledAt) < p.opts.Fresh {
			p.opts.OnPoll("skipped")
			continue
		}
		r.poll(ctx, st)
	}
	res := r.wait()
	if err := errors.Join(errs...); err != nil {
		return res, fmt.Errorf("poll feeds: %w", err)
	}
	return res, nil
}

// round polls feeds on the worker pool and sums their results.
type round struct {
	p   *Poller
	g   errgroup.Group
	mu  sync.Mutex
	res news.PollResult
}

func (p *Poller) newRound() *round {
	r := &round{p: p}
	r.g.SetLimit(p.opts.Workers)
	return r
}

// poll polls the feed of st on the next free worker, waiting for one, and
// shares the poll with a concurrent one of the same feed.
func (r *round) poll(ctx context.Context, st news.FeedState) {
	r.g.Go(func() error {
		v, _, _ := r.p.flight.Do(st.URL, func() (any, error) {
			return r.p.pollCurrent(ctx, st), nil
		})
		res := v.(news.PollResult)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.res.Polled += res.Polled
		r.res.NotModified += res.NotModified
		r.res.Failed += res.Failed
		r.res.Disabled += res.Disabled
		r.res.NewItems += res.NewItems
		return nil
	})
}

// wait waits for the round's polls and returns their sum.
func (r *round) wait() news.PollResult {
	_ = r.g.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.res
}

// pollCurrent claims the feed of snapshot, renewing PollDue's claim, and
// polls it with its current stored state. The snapshot may be stale by the
// time a worker gets to it: another caller (the loop, a digest's poll) or
// another process may have polled the feed since, or disabled it. Polling
// again with the stale state would fetch a feed that is backing off,
// overwrite the newer failure count and announce a disabled feed a second
// time, so such a feed is skipped and given back, as is one another
// process holds now.
func (p *Poller) pollCurrent(ctx context.Context, snapshot news.FeedState) news.PollResult {
	cur, ok, err := p.store.ClaimFeed(ctx, snapshot.URL, p.opts.Now())
	if err != nil {
		if ctx.Err() == nil {
			p.opts.OnPoll("error")
			p.logger.ErrorContext(ctx, "poll feed: claim", "feed_url", snapshot.URL, "err", err)
		}
		p.release(ctx, snapshot.URL) // PollDue's claim, if any
		return news.PollResult{}
	}
	if !ok {
		p.opts.OnPoll("skipped")
		return news.PollResult{}
	}
	if cur.URL == "" {
		cur.URL = snapshot.URL
	}
	if cur.Disabled() || cur.LastPolledAt.After(snapshot.LastPolledAt) {
		p.release(ctx, cur.URL)
		p.opts.OnPoll("skipped")
		return news.PollResult{}
	}
	res := p.pollOne(ctx, cur)
	switch {
	case res.Polled == 0: // shutting down: not the feed's doing
	case res.Failed > 0:
		p.opts.OnPoll("error")
	case res.NotModified > 0:
		p.opts.OnPoll("not_modified")
	default:
		p.opts.OnPoll("ok")
	}
	return res
}

// releaseTimeout bounds giving back a claim, which runs after shutdown too.
const releaseTimeout = 5 * time.Second

// release gives back this process's claim on feedURL after a poll that
// saved no state, so the feed is due for any process again at once rather
// than when the lease lapses. It runs even when ctx is done (a poll cut
// short by shutdown), for at most releaseTimeout.
func (p *Poller) release(ctx context.Context, feedURL string) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	if err := p.store.ReleaseFeed(rctx, feedURL); err != nil {
		p.logger.WarnContext(ctx, "release feed", "feed_url", feedURL, "err", err)
	}
}

// prune deletes the items of Options.Retention ago, logging the outcome.
func (p *Poller) prune(ctx context.Context, now time.Time) {
	n, err := p.store.PruneItems(ctx, now.Add(-p.opts.Retention))
	switch {
	case err != nil && ctx.Err() == nil:
		p.logger.ErrorContext(ctx, "prune old feed items", "err", err)
	case n > 0:
		p.logger.InfoContext(ctx, "pruned old feed items", "items", n, "retention", p.opts.Retention)
	}
}
