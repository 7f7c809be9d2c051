-- 013_watches: watchlists (issue 15). A watch is one server's term,
-- announced in one channel when a new feed item mentions it. Times are
-- INTEGER microseconds since the Unix epoch (UTC).

-- The watches. term is as the user typed it, white space normalized;
-- term_key is term case-folded (news.WatchTermKey): the same term twice in
-- one channel is one watch. role_id is the role an alert pings ('' for
-- none); min_severity is '' for any. AUTOINCREMENT: an id is never handed
-- out twice (watch_alerts names watches by id).
CREATE TABLE watches (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id     TEXT    NOT NULL,
    channel_id   TEXT    NOT NULL,
    term         TEXT    NOT NULL,
    term_key     TEXT    NOT NULL,
    role_id      TEXT    NOT NULL DEFAULT '',
    min_severity TEXT    NOT NULL DEFAULT '',
    kev_only     INTEGER NOT NULL DEFAULT 0,
    created_by   TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    UNIQUE (guild_id, channel_id, term_key)
);

-- One row, counting the changes to watches: a process keeping an index of
-- every watch rebuilds it when the count moves.
CREATE TABLE watch_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO watch_version (id, version) VALUES (1, 0);

-- The alerts: one per channel and story, claimed before it is sent, so a
-- story alerts once across restarts and processes. watch_ids and terms are
-- the matching watches (comma-separated ids; terms one per line); body is
-- what the alert shows (JSON, the pipeline's), kept for an alert held for
-- the channel's hourly batch (batch = 1). message_id and sent_at are set
-- once the alert (or its batch) is posted.
CREATE TABLE watch_alerts (
    channel_id TEXT    NOT NULL,
    story_key  TEXT    NOT NULL,
    guild_id   TEXT    NOT NULL DEFAULT '',
    watch_ids  TEXT    NOT NULL DEFAULT '',
    terms      TEXT    NOT NULL DEFAULT '',
    body       TEXT    NOT NULL DEFAULT '',
    batch      INTEGER NOT NULL DEFAULT 0,
    message_id TEXT    NOT NULL DEFAULT '',
    claimed_at INTEGER NOT NULL,
    sent_at    INTEGER,
    PRIMARY KEY (channel_id, story_key)
) WITHOUT ROWID;
CREATE INDEX watch_alerts_channel_claimed ON watch_alerts (channel_id, claimed_at);
