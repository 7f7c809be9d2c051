-- 008_posted_stories: a digest shows a story posted in its channel within
-- the last 7 days as an update, or not at all, when new outlets cover it.
-- Times are INTEGER microseconds since the Unix epoch (UTC).

-- PostedStories reads a channel's digests posted since an instant; this
-- index answers it without reading the channel's older digests (a channel
-- gets one or more digests a day for as long as it exists).
CREATE INDEX digests_channel_posted ON digests (channel_id, posted_at) WHERE state = 'posted';
