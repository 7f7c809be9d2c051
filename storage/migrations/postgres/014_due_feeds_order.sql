-- 014_due_feeds_order: the order in which due feeds are claimed, as an index.
--
-- Pollers claim the due feeds a batch at a time in the order "never polled
-- first, then the longest overdue, then by URL" (storage/feed_leases.go,
-- dueFeedsOrder: COALESCE(next_poll_at, 0), url). With this index a claim
-- walks the enabled feeds in that order and stops at its batch, instead of
-- sorting every due feed for each batch.
CREATE INDEX feeds_due_order ON feeds ((COALESCE(next_poll_at, 0)), url) WHERE disabled_at IS NULL;
