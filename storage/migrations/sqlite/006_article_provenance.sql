-- 006_article_provenance: text a feed carried belongs to its feed item.
--
-- A feed may link anyone's article and put its own words beside the link.
-- Such text is stored with the feed and item it came from (its hash is
-- scoped to them, see news.Article.Hash) and never as the text of the URL
-- it links: article_urls maps a URL only to a page fetched from it.
ALTER TABLE articles ADD COLUMN feed_url TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN item_id  TEXT NOT NULL DEFAULT '';

-- Before this migration a digest stored a feed item's text as the text of
-- the item's link, and nothing records which mappings came from a feed.
-- Forget them all: the next /summarize of a URL fetches the page again,
-- and an unchanged page has the same hash, so its cached summary still
-- answers without an LLM call.
DELETE FROM article_urls;
