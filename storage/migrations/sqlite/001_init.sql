-- 001_init: articles, the summary cache, token usage, threads and turns.
-- Times are INTEGER microseconds since the Unix epoch (UTC); NULL = unknown.

-- Readable text of fetched pages and pasted text, keyed by news.Article.Hash.
CREATE TABLE articles (
    hash       TEXT    PRIMARY KEY,
    url        TEXT    NOT NULL DEFAULT '',  -- latest URL seen with this text; '' for pasted text
    title      TEXT    NOT NULL DEFAULT '',
    byline     TEXT    NOT NULL DEFAULT '',
    site       TEXT    NOT NULL DEFAULT '',
    language   TEXT    NOT NULL DEFAULT '',
    published  INTEGER,
    text       TEXT    NOT NULL,
    fetched_at INTEGER NOT NULL
);

-- The latest fetch of each URL: which text it had and when.
CREATE TABLE article_urls (
    url          TEXT    PRIMARY KEY,
    article_hash TEXT    NOT NULL REFERENCES articles (hash) ON DELETE CASCADE,
    fetched_at   INTEGER NOT NULL
);
CREATE INDEX article_urls_article_hash ON article_urls (article_hash);

-- The summary cache. key is composed by the summarizer (content hash, model,
-- prompt version, language). No foreign key to articles: a digest summarizes
-- feed items whose text may never be stored as an article.
CREATE TABLE summaries (
    key            TEXT    PRIMARY KEY,
    article_hash   TEXT    NOT NULL DEFAULT '',
    model          TEXT    NOT NULL DEFAULT '',
    prompt_version TEXT    NOT NULL DEFAULT '',
    language       TEXT    NOT NULL DEFAULT '',
    summary        TEXT    NOT NULL,  -- JSON of news.Summary
    created_at     INTEGER NOT NULL
);
CREATE INDEX summaries_article_hash ON summaries (article_hash);

-- LLM token usage per guild ('' for the terminal), UTC day and model.
CREATE TABLE usage (
    guild_id          TEXT    NOT NULL,
    day               TEXT    NOT NULL,  -- YYYY-MM-DD
    model             TEXT    NOT NULL,
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, day, model)
) WITHOUT ROWID;

-- Discord threads the bot opened on a summary or a digest.
CREATE TABLE threads (
    id         TEXT    PRIMARY KEY,
    guild_id   TEXT    NOT NULL DEFAULT '',
    channel_id TEXT    NOT NULL DEFAULT '',
    kind       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

-- The articles a thread discusses, in order. article_hash is plain text, not
-- a foreign key: a digest thread may name articles whose text was never stored.
CREATE TABLE thread_articles (
    thread_id    TEXT    NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    article_hash TEXT    NOT NULL,
    PRIMARY KEY (thread_id, position)
) WITHOUT ROWID;
CREATE INDEX thread_articles_article_hash ON thread_articles (article_hash);

-- Questions and answers in a thread.
CREATE TABLE turns (
    id        INTEGER PRIMARY KEY,
    thread_id TEXT    NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    user_id   TEXT    NOT NULL DEFAULT '',
    question  TEXT    NOT NULL,
    answer    TEXT    NOT NULL,
    at        INTEGER NOT NULL
);
CREATE INDEX turns_thread_at ON turns (thread_id, at);
