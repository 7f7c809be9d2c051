-- 002_feeds: feeds and their polling state, guild subscriptions, feed items.
-- Times are INTEGER microseconds since the Unix epoch (UTC); NULL = unknown.

-- One row per feed URL any guild ever subscribed to. The poller owns the
-- state columns; a feed stays after its last subscriber leaves (items kept),
-- but only feeds with a subscriber are polled.
CREATE TABLE feeds (
    url            TEXT    PRIMARY KEY,
    title          TEXT    NOT NULL DEFAULT '',  -- the outlet's name ("also covered by")
    etag           TEXT    NOT NULL DEFAULT '',  -- validators of the last 200, for conditional GET
    last_modified  TEXT    NOT NULL DEFAULT '',
    failures       INTEGER NOT NULL DEFAULT 0,   -- consecutive failed polls (backoff exponent)
    next_poll_at   INTEGER,                      -- NULL: due now
    disabled_at    INTEGER,                      -- NULL: enabled; set after too many failures
    last_error     TEXT    NOT NULL DEFAULT '',
    last_polled_at INTEGER,
    created_at     INTEGER NOT NULL
);
CREATE INDEX feeds_next_poll_at ON feeds (next_poll_at) WHERE disabled_at IS NULL;

-- A guild's subscriptions. added_at is the subscription time: the digest
-- treats items published before (added_at - digest.lookback) as seen, so a
-- newly added feed floods nothing.
CREATE TABLE guild_feeds (
    guild_id TEXT    NOT NULL,
    feed_url TEXT    NOT NULL REFERENCES feeds (url) ON DELETE CASCADE,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, feed_url)
) WITHOUT ROWID;
CREATE INDEX guild_feeds_feed_url ON guild_feeds (feed_url);

-- Guilds whose feed list has been initialised (from config feeds:, or by an
-- admin's first /feeds add): such a guild is never seeded again, even after
-- it removed every feed.
CREATE TABLE guild_feed_seeds (
    guild_id  TEXT    PRIMARY KEY,
    seeded_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Items of each feed. id is a stable row id other tables may reference
-- (deliveries); (feed_url, item_id) is the item's identity (news.Item.ID:
-- GUID, else canonical link, else hash of title and content).
-- published_at is the feed's date (NULL when it gives none or it did not
-- parse); first_seen_at is when a poll first stored the item. A digest's
-- "item time" is COALESCE(published_at, first_seen_at).
CREATE TABLE items (
    id            INTEGER PRIMARY KEY,
    feed_url      TEXT    NOT NULL REFERENCES feeds (url) ON DELETE CASCADE,
    item_id       TEXT    NOT NULL,
    title         TEXT    NOT NULL DEFAULT '',
    link          TEXT    NOT NULL DEFAULT '',
    content       TEXT    NOT NULL DEFAULT '',  -- plain text
    published_at  INTEGER,
    first_seen_at INTEGER NOT NULL,
    UNIQUE (feed_url, item_id)
);
CREATE INDEX items_feed_first_seen ON items (feed_url, first_seen_at);
CREATE INDEX items_first_seen ON items (first_seen_at);
