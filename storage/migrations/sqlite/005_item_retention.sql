-- 005_item_retention: items a feed no longer carries can be pruned.
-- Times are INTEGER microseconds since the Unix epoch (UTC).

-- last_seen_at is when a poll last found the item in its feed (refreshed
-- at most daily). PruneItems deletes only items the feed stopped carrying
-- long ago: an item still in the feed would come back as a new row on the
-- next poll. Existing items count as seen now, so the first prune after
-- this migration waits the whole retention period.
ALTER TABLE items ADD COLUMN last_seen_at INTEGER;
UPDATE items SET last_seen_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000000;
CREATE INDEX items_last_seen ON items (last_seen_at);

-- Deleting an item cascades to digest_items, whose primary key starts with
-- digest_id: without this index every deleted item scans the table.
CREATE INDEX digest_items_item ON digest_items (item);
