-- 009_leases: jobs with one owner at a time, across processes sharing a
-- store (see storage/leases.go). Times are INTEGER microseconds since the
-- Unix epoch (UTC). An owner is a Store's name (host, pid, random bits); a
-- lease is held while lease_until is in the future, and lapses by itself
-- when its process dies.

-- A feed claimed for polling: no other process polls it until the owner
-- saves its state (which releases the lease) or the lease lapses.
ALTER TABLE feeds ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN lease_until INTEGER;

-- A digest being posted: the process that created it, or the one that took
-- over an unfinished digest after its lease lapsed.
ALTER TABLE digests ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE digests ADD COLUMN lease_until INTEGER;

-- A job that is not a row of its own: making one summary ("summary:" and
-- the cache key; the holder makes the LLM calls, others wait for the
-- summary to be stored) or preparing one digest slot ("digest:", channel,
-- slot; the holder polls, summarizes and records the digest).
CREATE TABLE job_claims (
    key         TEXT    PRIMARY KEY,
    lease_owner TEXT    NOT NULL,
    lease_until INTEGER NOT NULL
) WITHOUT ROWID;

-- Tokens set aside for an LLM request before it is sent, so that processes
-- spending one guild's daily budget at once cannot overspend it together.
-- A reservation is settled (deleted, its real usage added to usage) when
-- the request ends; one whose process died lapses at expires_at.
CREATE TABLE token_reservations (
    id         INTEGER PRIMARY KEY,
    guild_id   TEXT    NOT NULL,
    day        TEXT    NOT NULL,  -- YYYY-MM-DD, as usage.day
    tokens     INTEGER NOT NULL,
    owner      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX token_reservations_guild_day ON token_reservations (guild_id, day);
