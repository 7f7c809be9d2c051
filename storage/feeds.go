package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/secbrief/secbrief/news"
)

// Feeds, subscriptions and items (migration 002_feeds). The poller keeps a
// feed's state with ClaimDueFeeds, ClaimFeed, FeedState and SaveFeedState
// (see feed_leases.go) and stores items with AddItems; guilds subscribe
// with Subscribe, Unsubscribe and SeedGuild.
// The digest applies "a new feed floods nothing" from items.published_at,
// items.first_seen_at and guild_feeds.added_at.

// feedStateColumns are the columns scanFeedState reads, in order.
const feedStateColumns = `url, title, etag, last_modified, failures, next_poll_at, disabled_at, last_error, last_polled_at`

// scanFeedState reads one row of feedStateColumns.
func scanFeedState(row interface{ Scan(...any) error }) (news.FeedState, error) {
	var st news.FeedState
	var next, disabled, polled sql.NullInt64
	if err := row.Scan(&st.URL, &st.Title, &st.ETag, &st.LastModified, &st.Failures,
		&next, &disabled, &st.LastError, &polled); err != nil {
		return news.FeedState{}, err
	}
	st.NextPollAt, st.DisabledAt, st.LastPolledAt = scanTime(next), scanTime(disabled), scanTime(polled)
	return st, nil
}

// DueFeeds lists the enabled feeds that at least one guild subscribes to
// and whose next poll time is at or before now (never-polled feeds first),
// whoever holds them: it claims nothing. A poller takes its feeds with
// ClaimDueFeeds (feed_leases.go).
func (s *Store) DueFeeds(ctx context.Context, now time.Time) ([]news.FeedState, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+prefixed("f.", feedStateColumns)+` FROM feeds f
		WHERE `+dueFeedsFilter+`
		ORDER BY `+dueFeedsOrder, now.UnixMicro())
	if err != nil {
		return nil, fmt.Errorf("due feeds: %w", err)
	}
	states, err := collectFeedStates(rows)
	if err != nil {
		return nil, fmt.Errorf("due feeds: %w", err)
	}
	return states, nil
}

// FeedState returns the polling state of feedURL; for a feed not stored yet
// it returns a zero state with URL set and no error.
func (s *Store) FeedState(ctx context.Context, feedURL string) (news.FeedState, error) {
	st, err := scanFeedState(s.read.QueryRowContext(ctx,
		`SELECT `+feedStateColumns+` FROM feeds WHERE url = ?`, feedURL))
	if errors.Is(err, sql.ErrNoRows) {
		return news.FeedState{URL: feedURL}, nil
	}
	if err != nil {
		return news.FeedState{}, fmt.Errorf("feed state %s: %w", feedURL, err)
	}
	return st, nil
}

// SaveFeedState records a feed's state after a poll, creating the feed row
// when missing, and gives back this owner's claim on it (ClaimDueFeeds,
// ClaimFeed) in the same statement. An empty Title keeps the stored one.
func (s *Store) SaveFeedState(ctx context.Context, st news.FeedState) error {
	if st.URL == "" {
		return errors.New("save feed state: empty feed URL")
	}
	_, err := s.write.ExecContext(ctx, `INSERT INTO feeds
		(url, title, etag, last_modified, failures, next_poll_at, disabled_at, last_error, last_polled_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (url) DO UPDATE SET
			title = CASE WHEN excluded.title <> '' THEN excluded.title ELSE feeds.title END,
			etag = excluded.etag, last_modified = excluded.last_modified,
			failures = excluded.failures, next_poll_at = excluded.next_poll_at,
			disabled_at = excluded.disabled_at, last_error = excluded.last_error,
			last_polled_at = excluded.last_polled_at,
			lease_owner = CASE WHEN feeds.lease_owner = ? THEN '' ELSE feeds.lease_owner END,
			lease_until = CASE WHEN feeds.lease_owner = ? THEN NULL ELSE feeds.lease_until END`,
		st.URL, st.Title, st.ETag, st.LastModified, st.Failures, dbTime(st.NextPollAt),
		dbTime(st.DisabledAt), st.LastError, dbTime(st.LastPolledAt), s.now().UnixMicro(), s.owner, s.owner)
	if err != nil {
		return fmt.Errorf("save feed state %s: %w", st.URL, err)
	}
	return nil
}

// AddItems stores a feed's items and returns how many were new. A new item
// gets first_seen_at = now; a known one keeps it and takes the feed's
// current title, link, content and date (feeds correct their items). A
// published date in the future is stored as now, so a wrong clock cannot
// keep an item "new". Every item given counts as seen in its feed now
// (for PruneItems). The feed row is created when missing.
func (s *Store) AddItems(ctx context.Context, feedURL string, items []news.Item) (int, error) {
	added, err := s.addItems(ctx, feedURL, items)
	return len(added), err
}

// addItems is AddItems returning the new items as stored (see
// AddNewItems).
func (s *Store) addItems(ctx context.Context, feedURL string, items []news.Item) ([]news.Item, error) {
	if feedURL == "" {
		return nil, errors.New("add items: empty feed URL")
	}
	now := s.now()
	var added []news.Item
	err := s.tx(ctx, func(tx *txn) error {
		added = nil // a retried transaction starts over
		if _, err := tx.ExecContext(ctx, `INSERT INTO feeds (url, created_at) VALUES (?, ?)
			ON CONFLICT (url) DO NOTHING`, feedURL, now.UnixMicro()); err != nil {
			return err
		}
		insert, err := tx.PrepareContext(ctx, `INSERT INTO items
			(feed_url, item_id, title, link, content, published_at, first_seen_at, last_seen_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (feed_url, item_id) DO NOTHING`)
		if err != nil {
			return err
		}
		defer insert.Close()
		// last_seen_at is refreshed at most daily, so a poll of an
		// unchanged feed writes nothing.
		update, err := tx.PrepareContext(ctx, `UPDATE items SET title = ?, link = ?, content = ?,
			published_at = COALESCE(?, published_at), last_seen_at = ?
			WHERE feed_url = ? AND item_id = ?
			  AND (title <> ? OR link <> ? OR content <> ? OR published_at IS DISTINCT FROM COALESCE(?, published_at)
				OR last_seen_at IS NULL OR last_seen_at < ?)`)
		if err != nil {
			return err
		}
		defer update.Close()
		for _, it := range items {
			if it.ID == "" {
				return fmt.Errorf("item %q has no id", it.Title)
			}
			pub := it.Published
			if pub.After(now) {
				pub = now
			}
			res, err := insert.ExecContext(ctx, feedURL, it.ID, it.Title, it.Link, it.Content, dbTime(pub), now.UnixMicro(), now.UnixMicro())
			if err != nil {
				return fmt.Errorf("item %s: %w", it.ID, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("item %s: %w", it.ID, err)
			} else if n == 1 {
				it.FeedURL, it.Published = feedURL, pub
				added = append(added, it)
				continue
			}
			p := dbTime(pub)
			if _, err := update.ExecContext(ctx, it.Title, it.Link, it.Content, p, now.UnixMicro(),
				feedURL, it.ID, it.Title, it.Link, it.Content, p, now.Add(-lastSeenRefresh).UnixMicro()); err != nil {
				return fmt.Errorf("item %s: %w", it.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("add items %s: %w", feedURL, err)
	}
	return added, nil
}

// FeedItems returns the stored items of one feed, newest first by item
// time (published, else first seen), with the feed's title as FeedTitle.
func (s *Store) FeedItems(ctx context.Context, feedURL string) ([]news.Item, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT i.item_id, f.title, i.title, i.link, i.content,
			COALESCE(i.published_at, i.first_seen_at)
		FROM items i JOIN feeds f ON f.url = i.feed_url
		WHERE i.feed_url = ?
		ORDER BY COALESCE(i.published_at, i.first_seen_at) DESC, i.id DESC`, feedURL)
	if err != nil {
		return nil, fmt.Errorf("feed items %s: %w", feedURL, err)
	}
	var items []news.Item
	for rows.Next() {
		it := news.Item{FeedURL: feedURL}
		var at sql.NullInt64
		if err := rows.Scan(&it.ID, &it.FeedTitle, &it.Title, &it.Link, &it.Content, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("feed items %s: %w", feedURL, err)
		}
		it.Published = scanTime(at)
		items = append(items, it)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("feed items %s: %w", feedURL, err)
	}
	return items, nil
}

// collectFeedStates scans and closes rows of feedStateColumns.
func collectFeedStates(rows *sql.Rows) ([]news.FeedState, error) {
	var states []news.FeedState
	for rows.Next() {
		st, err := scanFeedState(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		states = append(states, st)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	return states, nil
}

// Subscribe subscribes a guild to a feed (validated by the caller, e.g. with
// feeds.Discover) and reports whether the subscription is new. The feed row
// is created when missing; a disabled feed is enabled again with its
// failures cleared, since it was just fetched successfully. A non-empty
// title replaces the stored one. The guild counts as seeded afterwards.
func (s *Store) Subscribe(ctx context.Context, guildID, feedURL, title string) (bool, error) {
	if guildID == "" || feedURL == "" {
		return false, errors.New("subscribe: empty guild id or feed URL")
	}
	added := false
	err := s.tx(ctx, func(tx *txn) error {
		now := s.now().UnixMicro()
		if _, err := tx.ExecContext(ctx, `INSERT INTO feeds (url, title, created_at) VALUES (?, ?, ?)
			ON CONFLICT (url) DO UPDATE SET
				title = CASE WHEN excluded.title <> '' THEN excluded.title ELSE feeds.title END,
				failures = CASE WHEN feeds.disabled_at IS NULL THEN feeds.failures ELSE 0 END,
				next_poll_at = CASE WHEN feeds.disabled_at IS NULL THEN feeds.next_poll_at ELSE NULL END,
				last_error = CASE WHEN feeds.disabled_at IS NULL THEN feeds.last_error ELSE '' END,
				disabled_at = NULL`, feedURL, title, now); err != nil {
			return err
		}
		var err error
		added, err = subscribe(ctx, tx, guildID, feedURL, now)
		if err != nil {
			return err
		}
		return markSeeded(ctx, tx, guildID, now)
	})
	if err != nil {
		return false, fmt.Errorf("subscribe %s to %s: %w", guildID, feedURL, err)
	}
	return added, nil
}

// Unsubscribe removes a guild's subscription and reports whether there was
// one. The feed and its items stay (other guilds, a later re-add); a feed
// nobody subscribes to is no longer polled.
func (s *Store) Unsubscribe(ctx context.Context, guildID, feedURL string) (bool, error) {
	removed := false
	err := s.tx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM guild_feeds WHERE guild_id = ? AND feed_url = ?`, guildID, feedURL)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		removed = n > 0
		return markSeeded(ctx, tx, guildID, s.now().UnixMicro())
	})
	if err != nil {
		return false, fmt.Errorf("unsubscribe %s from %s: %w", guildID, feedURL, err)
	}
	return removed, nil
}

// SeedGuild subscribes a guild to the default feeds (config feeds:) unless
// its feed list was ever initialised, by an earlier seed or by an admin's
// Subscribe or Unsubscribe, so a guild that removed every feed is not
// seeded again. It reports whether it seeded.
func (s *Store) SeedGuild(ctx context.Context, guildID string, feedURLs []string) (bool, error) {
	seeded := false
	err := s.tx(ctx, func(tx *txn) error {
		now := s.now().UnixMicro()
		res, err := tx.ExecContext(ctx, `INSERT INTO guild_feed_seeds (guild_id, seeded_at) VALUES (?, ?)
			ON CONFLICT (guild_id) DO NOTHING`, guildID, now)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		seeded = true
		for _, u := range feedURLs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO feeds (url, created_at) VALUES (?, ?)
				ON CONFLICT (url) DO NOTHING`, u, now); err != nil {
				return err
			}
			if _, err := subscribe(ctx, tx, guildID, u, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("seed guild %s: %w", guildID, err)
	}
	return seeded, nil
}

// GuildFeeds lists a guild's feeds with their polling state (disabled,
// last error), ordered by title then URL.
func (s *Store) GuildFeeds(ctx context.Context, guildID string) ([]news.FeedState, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+prefixed("f.", feedStateColumns)+`
		FROM guild_feeds g JOIN feeds f ON f.url = g.feed_url
		WHERE g.guild_id = ?
		ORDER BY lower(f.title), f.url`, guildID)
	if err != nil {
		return nil, fmt.Errorf("guild feeds %s: %w", guildID, err)
	}
	states, err := collectFeedStates(rows)
	if err != nil {
		return nil, fmt.Errorf("guild feeds %s: %w", guildID, err)
	}
	return states, nil
}

// FeedGuilds lists the guilds subscribed to a feed, e.g. to tell them once
// that it was disabled.
func (s *Store) FeedGuilds(ctx context.Context, feedURL string) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT guild_id FROM guild_feeds WHERE feed_url = ? ORDER BY guild_id`, feedURL)
	if err != nil {
		return nil, fmt.Errorf("feed guilds %s: %w", feedURL, err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("feed guilds %s: %w", feedURL, err)
		}
		ids = append(ids, id)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("feed guilds %s: %w", feedURL, err)
	}
	return ids, nil
}

// subscribe inserts one subscription and reports whether it is new.
func subscribe(ctx context.Context, tx *txn, guildID, feedURL string, now int64) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO guild_feeds (guild_id, feed_url, added_at) VALUES (?, ?, ?)
		ON CONFLICT (guild_id, feed_url) DO NOTHING`, guildID, feedURL, now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// markSeeded records that the guild's feed list was initialised.
func markSeeded(ctx context.Context, tx *txn, guildID string, now int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO guild_feed_seeds (guild_id, seeded_at) VALUES (?, ?)
		ON CONFLICT (guild_id) DO NOTHING`, guildID, now)
	return err
}

// prefixed qualifies each column of a comma-separated list with prefix.
func prefixed(prefix, columns string) string {
	cols := strings.Split(columns, ", ")
	for i, c := range cols {
		cols[i] = prefix + c
	}
	return strings.Join(cols, ", ")
}
