package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/secbrief/secbrief/news"
)

// PutDigestSchedule creates or replaces the channel's schedule. UpdatedAt
// is set by the Store.
func (s *Store) PutDigestSchedule(ctx context.Context, d news.DigestSchedule) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO digest_schedules
		(channel_id, guild_id, time, timezone, enabled, created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (channel_id) DO UPDATE SET guild_id = excluded.guild_id, time = excluded.time,
			timezone = excluded.timezone, enabled = excluded.enabled, created_by = excluded.created_by,
			updated_at = excluded.updated_at`,
		d.ChannelID, d.GuildID, d.Time, d.Timezone, d.Enabled, d.CreatedBy, dbTime(s.now()))
	if err != nil {
		return fmt.Errorf("put digest schedule %s: %w", d.ChannelID, err)
	}
	return nil
}

// DisableDigestSchedules turns off every digest schedule of the guild
// (/digest off) and reports how many were enabled.
func (s *Store) DisableDigestSchedules(ctx context.Context, guildID string) (int, error) {
	res, err := s.write.ExecContext(ctx, `UPDATE digest_schedules SET enabled = 0, updated_at = ?
		WHERE guild_id = ? AND enabled = 1`, dbTime(s.now()), guildID)
	if err != nil {
		return 0, fmt.Errorf("disable digest schedules of %s: %w", guildID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("disable digest schedules of %s: %w", guildID, err)
	}
	return int(n), nil
}

// DigestSchedules returns the stored schedules (only the enabled ones when
// enabledOnly), ordered by channel id.
func (s *Store) DigestSchedules(ctx context.Context, enabledOnly bool) ([]news.DigestSchedule, error) {
	all := 1
	if enabledOnly {
		all = 0
	}
	return s.digestSchedules(ctx, `enabled = 1 OR ? = 1`, all)
}

// GuildDigestSchedules returns the guild's enabled schedules, ordered by
// channel id: what /digest status and off need, without reading every
// guild's.
func (s *Store) GuildDigestSchedules(ctx context.Context, guildID string) ([]news.DigestSchedule, error) {
	return s.digestSchedules(ctx, `guild_id = ? AND enabled = 1`, guildID)
}

// digestSchedules returns the schedules matching where (with its one
// argument), ordered by channel id.
func (s *Store) digestSchedules(ctx context.Context, where string, arg any) ([]news.DigestSchedule, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT channel_id, guild_id, time, timezone, enabled, created_by, updated_at
		FROM digest_schedules WHERE `+where+` ORDER BY channel_id`, arg)
	if err != nil {
		return nil, fmt.Errorf("digest schedules: %w", err)
	}
	var out []news.DigestSchedule
	for rows.Next() {
		var d news.DigestSchedule
		var updated sql.NullInt64
		if err := rows.Scan(&d.ChannelID, &d.GuildID, &d.Time, &d.Timezone, &d.Enabled, &d.CreatedBy, &updated); err != nil {
			rows.Close()
			return nil, fmt.Errorf("digest schedules: %w", err)
		}
		d.UpdatedAt = scanTime(updated)
		out = append(out, d)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("digest schedules: %w", err)
	}
	return out, nil
}
