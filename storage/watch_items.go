package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/secbrief/secbrief/news"
)

// Items for watch alerts: the poller hands the items a poll stored for the
// first time to the alert pipeline (AddNewItems), which tells a story's
// outlets apart from a new story by the guild's recent items
// (RecentGuildItems).

// AddNewItems is AddItems returning the items that were new, as stored:
// FeedURL set, a published date in the future replaced by now. Items
// already stored are updated as AddItems does and left out.
func (s *Store) AddNewItems(ctx context.Context, feedURL string, items []news.Item) ([]news.Item, error) {
	return s.addItems(ctx, feedURL, items)
}

// RecentGuildItems returns the items of the feeds guildID subscribes to
// that were first stored at or after since, at most limit of them (the
// newest; all when limit <= 0), in the order they were first stored
// (oldest first), with their feed's title as FeedTitle. Published is the
// item's date, else when it was first stored.
func (s *Store) RecentGuildItems(ctx context.Context, guildID string, since time.Time, limit int) ([]news.Item, error) {
	query := `SELECT i.feed_url, i.item_id, f.title, i.title, i.link, i.content,
			COALESCE(i.published_at, i.first_seen_at)
		FROM guild_feeds g
		JOIN items i ON i.feed_url = g.feed_url
		JOIN feeds f ON f.url = i.feed_url
		WHERE g.guild_id = ? AND i.first_seen_at >= ?
		ORDER BY i.first_seen_at DESC, i.id DESC`
	args := []any{guildID, since.UnixMicro()}
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("recent items of guild %s: %w", guildID, err)
	}
	var items []news.Item
	for rows.Next() {
		var it news.Item
		var at sql.NullInt64
		if err := rows.Scan(&it.FeedURL, &it.ID, &it.FeedTitle, &it.Title, &it.Link, &it.Content, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("recent items of guild %s: %w", guildID, err)
		}
		it.Published = scanTime(at)
		items = append(items, it)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("recent items of guild %s: %w", guildID, err)
	}
	// Newest first from the query (so LIMIT keeps the newest); oldest
	// first for the caller.
	for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
		items[i], items[j] = items[j], items[i]
	}
	return items, nil
}
