-- 011_posted_cves: the messages the bot posted in each server that name a
-- CVE (public summaries and digest stories), for /cve's "Posted here".
-- Times are INTEGER microseconds since the Unix epoch (UTC).
CREATE TABLE posted_cves (
    guild_id   TEXT    NOT NULL,
    cve        TEXT    NOT NULL,
    channel_id TEXT    NOT NULL,
    message_id TEXT    NOT NULL,
    title      TEXT    NOT NULL DEFAULT '',
    url        TEXT    NOT NULL DEFAULT '',
    posted_at  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, cve, channel_id, message_id)
) WITHOUT ROWID;

-- PostedCVEs reads a server's newest messages naming one CVE.
CREATE INDEX posted_cves_guild_cve ON posted_cves (guild_id, cve, posted_at);
