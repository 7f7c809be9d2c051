-- 010_intel: vulnerability intelligence (package intel): CISA's KEV
-- catalog, FIRST's EPSS scores and CVE records with their CVSS score.
-- Times are BIGINT microseconds since the Unix epoch (UTC); dates (KEV
-- date added and due date, EPSS score date) are microseconds at 00:00 UTC.

-- One row per source (kev, epss, cve, nvd): the validators of the last
-- download, when it was last tried and last succeeded, and the kind of
-- its last failure, so the UI can say how old the data it shows is.
CREATE TABLE intel_sources (
    source        TEXT    PRIMARY KEY,
    checked_at    BIGINT,
    refreshed_at  BIGINT,
    data_date     BIGINT,
    version       TEXT    NOT NULL DEFAULT '',
    entries       BIGINT NOT NULL DEFAULT 0,
    etag          TEXT    NOT NULL DEFAULT '',
    last_modified TEXT    NOT NULL DEFAULT '',
    error_kind    TEXT    NOT NULL DEFAULT '',
    error_at      BIGINT
);

-- The KEV catalog. first_seen_at is when secbrief first found the entry
-- (the refresh time); baseline is 1 for the entries of the first catalog
-- ever loaded, which are not news. seen_at is the last refresh that
-- listed it: entries a refresh no longer lists are deleted.
CREATE TABLE kev (
    cve_id             TEXT    PRIMARY KEY,
    vendor_project     TEXT    NOT NULL DEFAULT '',
    product            TEXT    NOT NULL DEFAULT '',
    vulnerability_name TEXT    NOT NULL DEFAULT '',
    date_added         BIGINT,
    due_date           BIGINT,
    ransomware         BIGINT  NOT NULL DEFAULT 0,
    short_description  TEXT    NOT NULL DEFAULT '',
    required_action    TEXT    NOT NULL DEFAULT '',
    notes              TEXT    NOT NULL DEFAULT '',
    first_seen_at      BIGINT NOT NULL,
    baseline           BIGINT  NOT NULL DEFAULT 0,
    seen_at            BIGINT NOT NULL
);
CREATE INDEX kev_first_seen ON kev (first_seen_at);

-- One day's EPSS scores, replaced whole by each load; the score date and
-- model version are those of intel_sources' epss row.
CREATE TABLE epss (
    cve_id      TEXT PRIMARY KEY,
    probability DOUBLE PRECISION NOT NULL,
    percentile  DOUBLE PRECISION NOT NULL
);

-- CVE records looked up one by one (CVE Services, else NVD): the chosen
-- CVSS base score and what /cve shows. found = 0 caches a miss.
CREATE TABLE cve_records (
    cve_id        TEXT    PRIMARY KEY,
    found         BIGINT  NOT NULL,
    title         TEXT    NOT NULL DEFAULT '',
    description   TEXT    NOT NULL DEFAULT '',
    advisory_url  TEXT    NOT NULL DEFAULT '',
    source        TEXT    NOT NULL DEFAULT '',
    cvss_version  TEXT    NOT NULL DEFAULT '',
    cvss_score    DOUBLE PRECISION,
    cvss_severity TEXT    NOT NULL DEFAULT '',
    cvss_vector   TEXT    NOT NULL DEFAULT '',
    cvss_source   TEXT    NOT NULL DEFAULT '',
    fetched_at    BIGINT NOT NULL
);
