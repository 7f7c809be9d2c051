-- 004_digest_attempts: a bound on resuming a digest that cannot be posted.
-- Times are BIGINT microseconds since the Unix epoch (UTC).

-- attempts counts the failed attempts to post an unfinished digest (its
-- first post and every resume). The runner abandons the digest once the
-- bound is reached, so one digest Discord keeps refusing cannot block its
-- channel: its items are offered again by the next digest.
ALTER TABLE digests ADD COLUMN attempts BIGINT  NOT NULL DEFAULT 0;

-- The unseen-items query treats an undated item as new only when it appeared
-- after its feed's first stored batch: a correlated
-- MIN(first_seen_at) ... WHERE feed_url = ?. 002's items_feed_first_seen
-- (feed_url, first_seen_at) answers it from the index alone (the storage
-- tests pin that query plan), so no new index is needed here.
