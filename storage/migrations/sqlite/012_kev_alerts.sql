-- 012_kev_alerts: alerts when CISA adds a CVE to its Known Exploited
-- Vulnerabilities catalog (/digest alerts, package alerts). Times are
-- INTEGER microseconds since the Unix epoch (UTC).

-- A channel that gets KEV alerts. since is the first_seen_at (table kev)
-- up to which every addition was handled for the channel: set to the time
-- alerts were turned on (additions seen before are not alerted) and moved
-- forward as alerts are sent.
CREATE TABLE kev_alert_channels (
    channel_id TEXT    PRIMARY KEY,
    guild_id   TEXT    NOT NULL,
    enabled    INTEGER NOT NULL,
    since      INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    created_by TEXT    NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX kev_alert_channels_guild ON kev_alert_channels (guild_id);

-- One CVE alerted in one channel, at most once: the row is claimed before
-- the message is posted (message_id '' and a lease until lease_until), and
-- gets the message id once it is. A claim whose post failed waits until
-- lease_until to be tried again; given_up = 1 after the last attempt.
CREATE TABLE kev_alerts (
    channel_id  TEXT    NOT NULL,
    cve         TEXT    NOT NULL,
    guild_id    TEXT    NOT NULL,
    message_id  TEXT    NOT NULL DEFAULT '',
    sent_at     INTEGER,
    lease_owner TEXT    NOT NULL DEFAULT '',
    lease_until INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    given_up    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (channel_id, cve)
) WITHOUT ROWID;
