package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/secbrief/secbrief/news"
)

// watchAlertColumns are the columns scanWatchAlert reads, in its order.
const watchAlertColumns = `channel_id, story_key, guild_id, watch_ids, terms, body, batch, message_id, claimed_at, sent_at`

// ClaimWatchAlert claims the alert about storyKey in channelID and reports
// whether this call got it: false when the channel was already alerted (or
// is being alerted) about the story, by this process or another.
func (s *Store) ClaimWatchAlert(ctx context.Context, channelID, storyKey string) (bool, error) {
	return s.AddWatchAlert(ctx, news.WatchAlert{ChannelID: channelID, StoryKey: storyKey})
}

// AddWatchAlert claims a.ChannelID's alert about a.StoryKey, as
// ClaimWatchAlert, recording the rest of a with it (its ClaimedAt is the
// store's now when zero; MessageID and SentAt are SetWatchAlertMessage's).
// One INSERT ... ON CONFLICT DO NOTHING: of processes claiming at once,
// exactly one gets true.
func (s *Store) AddWatchAlert(ctx context.Context, a news.WatchAlert) (bool, error) {
	if a.ChannelID == "" || a.StoryKey == "" {
		return false, errors.New("claim watch alert: channel and story are required")
	}
	for _, t := range a.Terms {
		if strings.ContainsAny(t, "\n") {
			return false, fmt.Errorf("claim watch alert %s in %s: term %q spans lines", a.StoryKey, a.ChannelID, t)
		}
	}
	claimed := a.ClaimedAt
	if claimed.IsZero() {
		claimed = s.now()
	}
	var key string
	err := s.write.QueryRowContext(ctx, `INSERT INTO watch_alerts
			(channel_id, story_key, guild_id, watch_ids, terms, body, batch, claimed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (channel_id, story_key) DO NOTHING
		RETURNING story_key`,
		a.ChannelID, a.StoryKey, a.GuildID, joinIDs(a.WatchIDs), strings.Join(a.Terms, "\n"), a.Body,
		a.Batch, claimed.UnixMicro()).Scan(&key)
	if isNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim watch alert %s in %s: %w", a.StoryKey, a.ChannelID, err)
	}
	return true, nil
}

// SetWatchAlertMessage records that the alert about storyKey in channelID
// was posted as (or in) message messageID, now. It is an error when no
// such alert was claimed.
func (s *Store) SetWatchAlertMessage(ctx context.Context, channelID, storyKey, messageID string) error {
	res, err := s.write.ExecContext(ctx, `UPDATE watch_alerts SET message_id = ?, sent_at = ?
		WHERE channel_id = ? AND story_key = ?`, messageID, s.now().UnixMicro(), channelID, storyKey)
	if err != nil {
		return fmt.Errorf("set watch alert message %s in %s: %w", storyKey, channelID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("set watch alert message %s in %s: %w", storyKey, channelID, err)
	}
	if n == 0 {
		return fmt.Errorf("set watch alert message %s in %s: %w", storyKey, channelID, news.ErrNotFound)
	}
	return nil
}

// ReleaseWatchAlert gives up the claim on an alert that was not posted
// (sending it failed), so a later attempt can claim it again. A posted
// alert is kept: it must never be sent twice.
func (s *Store) ReleaseWatchAlert(ctx context.Context, channelID, storyKey string) error {
	if _, err := s.write.ExecContext(ctx, `DELETE FROM watch_alerts
		WHERE channel_id = ? AND story_key = ? AND message_id = ''`, channelID, storyKey); err != nil {
		return fmt.Errorf("release watch alert %s in %s: %w", storyKey, channelID, err)
	}
	return nil
}

// WatchAlertsSince counts the alerts of channelID claimed at or after
// since that were not held for a batch: the alerts posted on their own
// (or about to be), which the per-channel hourly cap counts.
func (s *Store) WatchAlertsSince(ctx context.Context, channelID string, since time.Time) (int, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM watch_alerts
		WHERE channel_id = ? AND claimed_at >= ? AND batch = 0`, channelID, since.UnixMicro()).Scan(&n); err != nil {
		return 0, fmt.Errorf("watch alerts of %s since %s: %w", channelID, since.Format(time.RFC3339), err)
	}
	return n, nil
}

// HeldWatchAlerts returns channelID's alerts held for a batch and not yet
// posted, oldest first. An empty channelID means every channel's.
func (s *Store) HeldWatchAlerts(ctx context.Context, channelID string) ([]news.WatchAlert, error) {
	q := `SELECT ` + watchAlertColumns + ` FROM watch_alerts WHERE batch = 1 AND message_id = ''`
	var args []any
	if channelID != "" {
		q += ` AND channel_id = ?`
		args = append(args, channelID)
	}
	as, err := s.queryWatchAlerts(ctx, q+` ORDER BY claimed_at, channel_id, story_key`, args...)
	if err != nil {
		return nil, fmt.Errorf("held watch alerts of %q: %w", channelID, err)
	}
	return as, nil
}

// WatchAlert returns the alert about storyKey in channelID, or an error
// wrapping news.ErrNotFound.
func (s *Store) WatchAlert(ctx context.Context, channelID, storyKey string) (news.WatchAlert, error) {
	as, err := s.queryWatchAlerts(ctx, `SELECT `+watchAlertColumns+` FROM watch_alerts
		WHERE channel_id = ? AND story_key = ?`, channelID, storyKey)
	if err != nil {
		return news.WatchAlert{}, fmt.Errorf("watch alert %s in %s: %w", storyKey, channelID, err)
	}
	if len(as) == 0 {
		return news.WatchAlert{}, fmt.Errorf("watch alert %s in %s: %w", storyKey, channelID, news.ErrNotFound)
	}
	return as[0], nil
}

// PruneWatchAlerts deletes the alerts claimed before before and returns how
// many. Keep them at least as long as a story can come back in a new
// outlet's item (the item retention), or it would alert again.
func (s *Store) PruneWatchAlerts(ctx context.Context, before time.Time) (int, error) {
	res, err := s.write.ExecContext(ctx, `DELETE FROM watch_alerts WHERE claimed_at < ?`, before.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("prune watch alerts: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune watch alerts: %w", err)
	}
	return int(n), nil
}

// queryWatchAlerts runs a SELECT of watchAlertColumns.
func (s *Store) queryWatchAlerts(ctx context.Context, query string, args ...any) ([]news.WatchAlert, error) {
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []news.WatchAlert
	for rows.Next() {
		var a news.WatchAlert
		var ids, terms string
		var batch int64
		var claimed, sent sql.NullInt64
		if err := rows.Scan(&a.ChannelID, &a.StoryKey, &a.GuildID, &ids, &terms, &a.Body, &batch,
			&a.MessageID, &claimed, &sent); err != nil {
			return nil, err
		}
		if a.WatchIDs, err = splitIDs(ids); err != nil {
			return nil, fmt.Errorf("alert %s in %s: %w", a.StoryKey, a.ChannelID, err)
		}
		if terms != "" {
			a.Terms = strings.Split(terms, "\n")
		}
		a.Batch = batch != 0
		a.ClaimedAt = scanTime(claimed)
		a.SentAt = scanTime(sent)
		out = append(out, a)
	}
	return out, rows.Err()
}

// joinIDs is ids as stored: decimal, comma-separated.
func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// splitIDs reverses joinIDs.
func splitIDs(s string) ([]int64, error) {
	if s == "" {
		return nil, nil
	}
	var ids []int64
	for p := range strings.SplitSeq(s, ",") {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("watch ids %q: %w", s, err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}
