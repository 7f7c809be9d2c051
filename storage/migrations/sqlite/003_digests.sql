-- 003_digests: digest schedules set with /digest setup, digests (recorded
-- before they are posted), their items and posted parts, and per-channel
-- deliveries. Times are INTEGER microseconds since the Unix epoch (UTC).

-- A channel's daily digest as an admin set it up: local time HH:MM in an
-- IANA time zone. One schedule per channel; /digest off clears enabled.
CREATE TABLE digest_schedules (
    channel_id TEXT    PRIMARY KEY,
    guild_id   TEXT    NOT NULL,
    time       TEXT    NOT NULL,               -- "HH:MM", 24-hour local time
    timezone   TEXT    NOT NULL,               -- IANA name, e.g. Europe/Berlin
    enabled    INTEGER NOT NULL DEFAULT 1,
    created_by TEXT    NOT NULL DEFAULT '',    -- Discord user id
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX digest_schedules_guild ON digest_schedules (guild_id);

-- One digest run for one channel. slot names the run: the scheduled instant
-- (RFC 3339, UTC) for scheduled runs, "now:<instant>" for /digest now. The
-- unique (channel_id, slot) makes a scheduled run happen at most once.
-- body is the JSON of the news.Digest exactly as it is (to be) posted, so a
-- resumed digest posts the same parts. state: pending (recorded, nothing
-- posted), posting (some parts posted), posted (all parts, items delivered),
-- empty (the slot ran and found nothing new), abandoned (the channel could
-- not take it; its items stay unseen).
CREATE TABLE digests (
    id         INTEGER PRIMARY KEY,
    guild_id   TEXT    NOT NULL,
    channel_id TEXT    NOT NULL,
    slot       TEXT    NOT NULL,
    state      TEXT    NOT NULL CHECK (state IN ('pending', 'posting', 'posted', 'empty', 'abandoned')),
    body       TEXT    NOT NULL DEFAULT '',
    thread_id  TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    posted_at  INTEGER,
    UNIQUE (channel_id, slot)
);
CREATE INDEX digests_unfinished ON digests (channel_id) WHERE state IN ('pending', 'posting');
CREATE INDEX digests_channel_created ON digests (channel_id, created_at);

-- The items a digest shows (leads and "also covered by"); summarized is 0
-- when the item's story went out without a summary.
CREATE TABLE digest_items (
    digest_id  INTEGER NOT NULL REFERENCES digests (id) ON DELETE CASCADE,
    item       INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    summarized INTEGER NOT NULL,
    PRIMARY KEY (digest_id, item)
) WITHOUT ROWID;

-- The Discord message id of each posted part (0 = header).
CREATE TABLE digest_parts (
    digest_id  INTEGER NOT NULL REFERENCES digests (id) ON DELETE CASCADE,
    part       INTEGER NOT NULL,
    message_id TEXT    NOT NULL,
    PRIMARY KEY (digest_id, part)
) WITHOUT ROWID;

-- Items delivered to a channel, written in the transaction that records the
-- digest's last message id. An item delivered without a summary (times = 1,
-- summarized = 0) is offered to the next digest once more.
CREATE TABLE deliveries (
    channel_id   TEXT    NOT NULL,
    item         INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    digest_id    INTEGER NOT NULL REFERENCES digests (id) ON DELETE CASCADE,
    summarized   INTEGER NOT NULL,
    times        INTEGER NOT NULL DEFAULT 1,
    delivered_at INTEGER NOT NULL,
    PRIMARY KEY (channel_id, item)
) WITHOUT ROWID;
CREATE INDEX deliveries_item ON deliveries (item);
