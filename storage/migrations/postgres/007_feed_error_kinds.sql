-- 007_feed_error_kinds: a feed's last_error is shown by /feeds list to
-- every guild that follows the feed. It now holds the kind-level text of
-- the failure (commands.FeedProblem); rows written before held the raw
-- error, which can name internal addresses, dial errors and redirect
-- targets. Their cause is unknown now: a generic text replaces them.
UPDATE feeds SET last_error = 'the feed could not be fetched' WHERE last_error <> '';
