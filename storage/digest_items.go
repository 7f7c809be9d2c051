package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/secbrief/secbrief/news"
)

// unseenItemsSQL is UnseenItems' query. Its parameters are the channel,
// the guild, the channel, the window start, the look-back and the window
// start again (times and durations in microseconds). The MIN subquery is
// answered by the index items_feed_first_seen (feed_url, first_seen_at).
const unseenItemsSQL = `
	SELECT i.feed_url, i.item_id, f.title, i.title, i.link, i.content,
		COALESCE(i.published_at, i.first_seen_at) AS at
	FROM guild_feeds g
	JOIN items i ON i.feed_url = g.feed_url
	JOIN feeds f ON f.url = i.feed_url
	LEFT JOIN deliveries d ON d.channel_id = ? AND d.item = i.id
	WHERE g.guild_id = ?
	  AND NOT EXISTS (SELECT 1 FROM digest_items di JOIN digests dg ON dg.id = di.digest_id
		WHERE di.item = i.id AND dg.channel_id = ? AND dg.state IN ('pending', 'posting'))
	  AND (
		(d.item IS NULL AND i.published_at IS NOT NULL AND i.published_at >= ? AND i.published_at >= g.added_at - ?)
		OR (d.item IS NULL AND i.published_at IS NULL AND i.first_seen_at >= ?
			AND i.first_seen_at > g.added_at
			AND i.first_seen_at > (SELECT MIN(m.first_seen_at) FROM items m WHERE m.feed_url = i.feed_url))
		OR (d.summarized = 0 AND d.times < 2)
	  )
	ORDER BY at, i.id`

// UnseenItems returns the items of the guild's subscribed feeds that were
// never delivered to the channel and fall in the query's window, plus the
// items delivered to the channel once without a summary (those are offered
// once more, whatever their age, so they are summarized next time). Items
// of a digest still pending or posting in the channel are left out. The
// result is ordered by item time, oldest first.
func (s *Store) UnseenItems(ctx context.Context, q news.UnseenQuery) ([]news.Item, error) {
	from := q.Now.Add(-q.Lookback).UnixMicro()
	lookback := q.Lookback.Microseconds()
	rows, err := s.read.QueryContext(ctx, unseenItemsSQL,
		q.ChannelID, q.GuildID, q.ChannelID, from, lookback, from)
	if err != nil {
		return nil, fmt.Errorf("unseen items %s/%s: %w", q.GuildID, q.ChannelID, err)
	}
	var items []news.Item
	for rows.Next() {
		var it news.Item
		var at sql.NullInt64
		if err := rows.Scan(&it.FeedURL, &it.ID, &it.FeedTitle, &it.Title, &it.Link, &it.Content, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("unseen items %s/%s: %w", q.GuildID, q.ChannelID, err)
		}
		it.Published = scanTime(at)
		items = append(items, it)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("unseen items %s/%s: %w", q.GuildID, q.ChannelID, err)
	}
	return items, nil
}
