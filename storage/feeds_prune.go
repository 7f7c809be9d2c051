package storage

import (
	"context"
	"fmt"
	"time"
)

// lastSeenRefresh is how stale items.last_seen_at may get before AddItems
// writes it again: daily is precise enough for a retention of weeks.
const lastSeenRefresh = 24 * time.Hour

// pruneBatch is how many items one prune statement deletes, so a large
// backlog never holds the write lock for long.
const pruneBatch = 500

// pruneItemsSQL deletes up to a batch of the items PruneItems may delete.
// Its parameters are the cutoff three times (microseconds) and the batch
// size.
const pruneItemsSQL = `
	DELETE FROM items WHERE id IN (
		SELECT i.id FROM items i
		WHERE i.last_seen_at < ?
		  AND i.first_seen_at < ?
		  AND COALESCE(i.published_at, i.first_seen_at) < ?
		  AND NOT EXISTS (SELECT 1 FROM digest_items di JOIN digests dg ON dg.id = di.digest_id
			WHERE di.item = i.id AND dg.state IN ('pending', 'posting'))
		  AND i.first_seen_at < (SELECT MAX(m.first_seen_at) FROM items m WHERE m.feed_url = i.feed_url)
		LIMIT ?
	)`

// PruneItems deletes the feed items that are older than before and that
// their feed stopped carrying before then, and returns how many it
// deleted. Their deliveries and digest_items rows go with them. It keeps
// items of digests still being posted, items a feed still carries (they
// would come back as new rows on the next poll) and each feed's newest
// batch (UnseenItems dates a feed's undated items against its first stored
// batch, so a feed must never be left empty). before must lie well beyond
// the digest look-back, so that no item a digest may still show is
// deleted; callers use weeks.
func (s *Store) PruneItems(ctx context.Context, before time.Time) (int, error) {
	cutoff := before.UnixMicro()
	total := 0
	for {
		res, err := s.write.ExecContext(ctx, pruneItemsSQL, cutoff, cutoff, cutoff, pruneBatch)
		if err != nil {
			return total, fmt.Errorf("prune items before %s: %w", before.UTC().Format(time.RFC3339), err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("prune items before %s: %w", before.UTC().Format(time.RFC3339), err)
		}
		total += int(n)
		if n < pruneBatch {
			return total, nil
		}
	}
}
