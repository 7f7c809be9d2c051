package storage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/secbrief/secbrief/news"
)

// Feed leases (feeds.lease_owner, feeds.lease_until; migration 009): a
// feed is polled by one process at a time. A poller claims the due feeds
// (ClaimDueFeeds) or one feed (ClaimFeed) for this Store's owner for one
// lease; SaveFeedState gives the feed back with its new state, ReleaseFeed
// without one. A claim whose process died lapses with its lease, and the
// feed is then due for any process again.

// dueFeedsFilter is the rule of a due feed of alias f: enabled, due by
// its next poll time at the parameter now, and subscribed by a guild.
const dueFeedsFilter = `f.disabled_at IS NULL AND (f.next_poll_at IS NULL OR f.next_poll_at <= ?)
	AND EXISTS (SELECT 1 FROM guild_feeds g WHERE g.feed_url = f.url)`

// dueFeedsOrder is the order of due feeds: never polled first (NULL sorts
// as 0, before every time), then the longest overdue, then by URL; the
// index feeds_due_order (migration 014) holds it. compareDue is the same
// order in Go.
const dueFeedsOrder = `COALESCE(f.next_poll_at, 0), f.url`

// compareDue orders feed states as dueFeedsOrder does: the zero
// NextPollAt of a feed never polled sorts before every stored time, as
// NULL does as 0.
func compareDue(a, b news.FeedState) int {
	return cmp.Or(a.NextPollAt.Compare(b.NextPollAt), cmp.Compare(a.URL, b.URL))
}

// ClaimDueFeeds claims for this Store's owner, until now plus the lease,
// the feeds DueFeeds would list at now whose lease is free or lapsed, at
// most limit of them (all when limit <= 0) in DueFeeds' order, and returns
// their states in that order. Processes claiming at once get disjoint
// sets: with PostgreSQL the rows another claim is taking are skipped
// (FOR UPDATE SKIP LOCKED), with SQLite the single writer serializes the
// claims. A claimed feed is no other owner's until SaveFeedState or
// ReleaseFeed gives it back or the lease lapses; this owner's own live
// claims are not returned again either.
func (s *Store) ClaimDueFeeds(ctx context.Context, now time.Time, limit int) ([]news.FeedState, error) {
	pick := `SELECT f.url FROM feeds f WHERE ` + dueFeedsFilter + `
			AND (f.lease_until IS NULL OR f.lease_until <= ?)
		ORDER BY ` + dueFeedsOrder
	if limit > 0 {
		// A constant, not a parameter: SQLite and PostgreSQL disagree on
		// what LIMIT takes for "no limit", and it is an int anyway.
		pick += ` LIMIT ` + strconv.Itoa(limit)
	}
	if s.write.dialect == postgresDialect {
		// Rows another process is claiming right now are left to it; a row
		// it claimed and committed meanwhile fails the lease test when
		// re-checked under the lock (READ COMMITTED), so it is skipped too.
		pick += ` FOR UPDATE SKIP LOCKED`
	}
	rows, err := s.write.QueryContext(ctx, `UPDATE feeds SET lease_owner = ?, lease_until = ?
		WHERE url IN (`+pick+`)
		RETURNING `+feedStateColumns,
		s.owner, now.Add(s.lease).UnixMicro(), now.UnixMicro(), now.UnixMicro())
	if err != nil {
		return nil, fmt.Errorf("claim due feeds: %w", err)
	}
	states, err := collectFeedStates(rows)
	if err != nil {
		return nil, fmt.Errorf("claim due feeds: %w", err)
	}
	// RETURNING gives rows in no particular order.
	slices.SortFunc(states, compareDue)
	return states, nil
}

// ClaimFeed claims feedURL for this Store's owner until now plus the lease
// when its lease is free, lapsed or already this owner's (it is then
// renewed), creating the feed row when missing as SaveFeedState would. It
// returns the feed's current state and whether this owner holds it now;
// false means another process is polling the feed. Whether the feed is
// due, enabled or subscribed is the caller's business.
func (s *Store) ClaimFeed(ctx context.Context, feedURL string, now time.Time) (news.FeedState, bool, error) {
	if feedURL == "" {
		return news.FeedState{}, false, errors.New("claim feed: empty feed URL")
	}
	st, err := scanFeedState(s.write.QueryRowContext(ctx, `INSERT INTO feeds (url, created_at, lease_owner, lease_until)
		VALUES (?, ?, ?, ?)
		ON CONFLICT (url) DO UPDATE SET lease_owner = excluded.lease_owner, lease_until = excluded.lease_until
			WHERE feeds.lease_owner = excluded.lease_owner OR feeds.lease_until IS NULL OR feeds.lease_until <= ?
		RETURNING `+feedStateColumns,
		feedURL, s.now().UnixMicro(), s.owner, now.Add(s.lease).UnixMicro(), now.UnixMicro()))
	if isNoRows(err) {
		st, err := s.FeedState(ctx, feedURL)
		if err != nil {
			return news.FeedState{}, false, fmt.Errorf("claim feed: %w", err)
		}
		return st, false, nil
	}
	if err != nil {
		return news.FeedState{}, false, fmt.Errorf("claim feed %s: %w", feedURL, err)
	}
	return st, true, nil
}

// ReleaseFeed gives back this owner's claim on feedURL without saving a
// state, e.g. when a poll was cut short or found nothing to do; the feed is
// due for any process again as its stored state says. A claim another
// owner holds is left alone, and releasing a feed not held is not an error.
func (s *Store) ReleaseFeed(ctx context.Context, feedURL string) error {
	if _, err := s.write.ExecContext(ctx, `UPDATE feeds SET lease_owner = '', lease_until = NULL
		WHERE url = ? AND lease_owner = ?`, feedURL, s.owner); err != nil {
		return fmt.Errorf("release feed %s: %w", feedURL, err)
	}
	return nil
}
