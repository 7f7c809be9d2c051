package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/secbrief/secbrief/news"
)

// CreateDigest records run (its ID, State, Parts, ThreadID and times are
// ignored) as pending, or as empty when it has no items, and returns its id.
// It returns news.ErrDigestExists when (ChannelID, Slot) is taken. Items unknown
// to the items table are an error. The new digest is leased to this Store
// (see ClaimDigest).
func (s *Store) CreateDigest(ctx context.Context, run news.DigestRun) (int64, error) {
	body, err := json.Marshal(run.Digest)
	if err != nil {
		return 0, fmt.Errorf("create digest %s/%s: encode: %w", run.ChannelID, run.Slot, err)
	}
	state := news.DigestPending
	if len(run.Items) == 0 {
		state = news.DigestEmpty
	}
	var id int64
	err = s.tx(ctx, func(tx *txn) error {
		var err error
		if id, err = insertDigest(ctx, tx, run, state, body, s.now()); err != nil {
			return err
		}
		return s.leaseDigest(ctx, tx, id)
	})
	if err != nil {
		return 0, fmt.Errorf("create digest %s/%s: %w", run.ChannelID, run.Slot, err)
	}
	return id, nil
}

// insertDigest inserts run's row in state with its encoded body, and its
// items, returning the digest's id: news.ErrDigestExists when (ChannelID,
// Slot) is taken, news.ErrNotFound (wrapped, naming the item) for an item
// the items table lacks.
func insertDigest(ctx context.Context, tx *txn, run news.DigestRun, state news.DigestState, body []byte, now time.Time) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO digests (guild_id, channel_id, slot, state, body, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel_id, slot) DO NOTHING RETURNING id`,
		run.GuildID, run.ChannelID, run.Slot, string(state), string(body), dbTime(now)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, news.ErrDigestExists
	}
	if err != nil {
		return 0, err
	}
	for _, it := range run.Items {
		var item int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM items WHERE feed_url = ? AND item_id = ?`,
			it.FeedURL, it.ItemID).Scan(&item)
		if errors.Is(err, sql.ErrNoRows) {
			err = news.ErrNotFound
		}
		if err == nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO digest_items (digest_id, item, summarized)
				VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, id, item, it.Summarized)
		}
		if err != nil {
			return 0, fmt.Errorf("item %s %s: %w", it.FeedURL, it.ItemID, err)
		}
	}
	return id, nil
}

// deliverDigestItems marks the items of digest id delivered to channel at
// now (as dbTime gives it): an item delivered before counts one time more.
func deliverDigestItems(ctx context.Context, tx *txn, channel string, id int64, now any) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO deliveries (channel_id, item, digest_id, summarized, times, delivered_at)
		SELECT ?, item, digest_id, summarized, 1, ? FROM digest_items WHERE digest_id = ? AND true
		ON CONFLICT (channel_id, item) DO UPDATE SET digest_id = excluded.digest_id,
			summarized = excluded.summarized, times = deliveries.times + 1, delivered_at = excluded.delivered_at`,
		channel, now, id)
	if err != nil {
		return fmt.Errorf("deliver: %w", err)
	}
	return nil
}

// RecordDigestPart records that part of digest id was posted as messageID
// and moves the digest to posting. When last is true the same transaction
// marks the digest's items delivered to its channel and the digest posted.
// Recording a part again is harmless (the first message id is kept). It
// renews this Store's lease on the digest (see ClaimDigest).
func (s *Store) RecordDigestPart(ctx context.Context, id int64, part int, messageID string, last bool) error {
	err := s.tx(ctx, func(tx *txn) error {
		var channel string
		var state news.DigestState
		if err := tx.QueryRowContext(ctx, `SELECT channel_id, state FROM digests WHERE id = ?`, id).Scan(&channel, &state); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return news.ErrNotFound
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO digest_parts (digest_id, part, message_id) VALUES (?, ?, ?)
			ON CONFLICT DO NOTHING`,
			id, part, messageID); err != nil {
			return err
		}
		if state == news.DigestPosted {
			return nil
		}
		if err := s.renewDigestLease(ctx, tx, id); err != nil {
			return err
		}
		if !last {
			_, err := tx.ExecContext(ctx, `UPDATE digests SET state = 'posting' WHERE id = ?`, id)
			return err
		}
		now := dbTime(s.now())
		if err := deliverDigestItems(ctx, tx, channel, id, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE digests SET state = 'posted', posted_at = ? WHERE id = ?`, now, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("record digest %d part %d: %w", id, part, err)
	}
	return nil
}

// AbandonDigest gives up on a pending or posting digest (its channel cannot
// take it): it is no longer resumed and its items are offered again.
// Abandoning a posted digest is an error.
func (s *Store) AbandonDigest(ctx context.Context, id int64) error {
	res, err := s.write.ExecContext(ctx, `UPDATE digests SET state = 'abandoned'
		WHERE id = ? AND state IN ('pending', 'posting')`, id)
	if err != nil {
		return fmt.Errorf("abandon digest %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("abandon digest %d: no unfinished digest: %w", id, news.ErrNotFound)
	}
	return nil
}

// RecordDigestFailure counts one more failed attempt to post the pending or
// posting digest id and returns the digest's failed attempts so far, for
// the caller's bound on resuming it. It returns news.ErrNotFound when id is not
// an unfinished digest.
func (s *Store) RecordDigestFailure(ctx context.Context, id int64) (int, error) {
	var n int
	err := s.write.QueryRowContext(ctx, `UPDATE digests SET attempts = attempts + 1
		WHERE id = ? AND state IN ('pending', 'posting') RETURNING attempts`, id).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		err = news.ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("record digest %d failure: %w", id, err)
	}
	return n, nil
}

// SetDigestThread records the discussion thread opened on digest id.
func (s *Store) SetDigestThread(ctx context.Context, id int64, threadID string) error {
	res, err := s.write.ExecContext(ctx, `UPDATE digests SET thread_id = ? WHERE id = ?`, threadID, id)
	if err != nil {
		return fmt.Errorf("set digest %d thread: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("set digest %d thread: %w", id, news.ErrNotFound)
	}
	return nil
}

// UnfinishedDigests returns the pending and posting digests of channelID
// (of every channel when channelID is ""), oldest first.
func (s *Store) UnfinishedDigests(ctx context.Context, channelID string) ([]news.DigestRun, error) {
	runs, err := s.queryDigests(ctx, `state IN ('pending', 'posting') AND (? = '' OR channel_id = ?) ORDER BY id`,
		channelID, channelID)
	if err != nil {
		return nil, fmt.Errorf("unfinished digests %q: %w", channelID, err)
	}
	return runs, nil
}

// DigestBySlot returns channelID's digest for slot, or news.ErrNotFound.
func (s *Store) DigestBySlot(ctx context.Context, channelID, slot string) (news.DigestRun, error) {
	runs, err := s.queryDigests(ctx, `channel_id = ? AND slot = ?`, channelID, slot)
	if err == nil && len(runs) == 0 {
		err = news.ErrNotFound
	}
	if err != nil {
		return news.DigestRun{}, fmt.Errorf("digest %s/%s: %w", channelID, slot, err)
	}
	return runs[0], nil
}

// LastPostedDigest returns channelID's most recently posted digest, or
// news.ErrNotFound (for /digest status and "nothing new since …").
func (s *Store) LastPostedDigest(ctx context.Context, channelID string) (news.DigestRun, error) {
	runs, err := s.queryDigests(ctx, `channel_id = ? AND state = 'posted' ORDER BY posted_at DESC, id DESC LIMIT 1`, channelID)
	if err == nil && len(runs) == 0 {
		err = news.ErrNotFound
	}
	if err != nil {
		return news.DigestRun{}, fmt.Errorf("last digest %s: %w", channelID, err)
	}
	return runs[0], nil
}

// queryDigests loads the digests matching where, with their items and parts.
func (s *Store) queryDigests(ctx context.Context, where string, args ...any) ([]news.DigestRun, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, guild_id, channel_id, slot, state, body, thread_id, attempts,
		created_at, posted_at FROM digests WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	var runs []news.DigestRun
	for rows.Next() {
		var r news.DigestRun
		var body string
		var created, posted sql.NullInt64
		if err := rows.Scan(&r.ID, &r.GuildID, &r.ChannelID, &r.Slot, &r.State, &body, &r.ThreadID, &r.Attempts, &created, &posted); err != nil {
			rows.Close()
			return nil, err
		}
		if body != "" {
			if err := json.Unmarshal([]byte(body), &r.Digest); err != nil {
				rows.Close()
				return nil, fmt.Errorf("digest %d: decode: %w", r.ID, err)
			}
		}
		r.CreatedAt, r.PostedAt = scanTime(created), scanTime(posted)
		runs = append(runs, r)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	for i := range runs {
		if err := s.loadDigestDetails(ctx, &runs[i]); err != nil {
			return nil, err
		}
	}
	return runs, nil
}

// loadDigestDetails fills r.Items and r.Parts.
func (s *Store) loadDigestDetails(ctx context.Context, r *news.DigestRun) error {
	rows, err := s.read.QueryContext(ctx, `SELECT i.feed_url, i.item_id, d.summarized
		FROM digest_items d JOIN items i ON i.id = d.item WHERE d.digest_id = ? ORDER BY i.id`, r.ID)
	if err != nil {
		return fmt.Errorf("digest %d items: %w", r.ID, err)
	}
	for rows.Next() {
		var it news.DigestItem
		if err := rows.Scan(&it.FeedURL, &it.ItemID, &it.Summarized); err != nil {
			rows.Close()
			return fmt.Errorf("digest %d items: %w", r.ID, err)
		}
		r.Items = append(r.Items, it)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("digest %d items: %w", r.ID, err)
	}
	r.Parts = map[int]string{}
	rows, err = s.read.QueryContext(ctx, `SELECT part, message_id FROM digest_parts WHERE digest_id = ?`, r.ID)
	if err != nil {
		return fmt.Errorf("digest %d parts: %w", r.ID, err)
	}
	for rows.Next() {
		var part int
		var msg string
		if err := rows.Scan(&part, &msg); err != nil {
			rows.Close()
			return fmt.Errorf("digest %d parts: %w", r.ID, err)
		}
		r.Parts[part] = msg
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("digest %d parts: %w", r.ID, err)
	}
	return nil
}
