package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/secbrief/secbrief/news"
)

// KEV alerts (migration 012_kev_alerts, package alerts): the channels that
// get one (SetKEVAlerts, GuildKEVAlerts, DueKEVAlertChannels,
// AdvanceKEVAlerts) and each CVE alerted per channel, claimed before it is
// posted (ClaimKEVAlerts, KEVAlertsPosted, ReleaseKEVAlerts,
// KEVAlertsDone), so that it is posted once across restarts and processes.

// kevAlertChannelColumns are the columns scanKEVAlertChannel reads.
const kevAlertChannelColumns = `guild_id, channel_id, enabled, since, updated_at, created_by`

func scanKEVAlertChannel(row interface{ Scan(...any) error }) (news.KEVAlertChannel, error) {
	var c news.KEVAlertChannel
	var enabled, since, updated int64
	if err := row.Scan(&c.GuildID, &c.ChannelID, &enabled, &since, &updated, &c.CreatedBy); err != nil {
		return news.KEVAlertChannel{}, err
	}
	c.Enabled = enabled != 0
	c.Since, c.UpdatedAt = time.UnixMicro(since).UTC(), time.UnixMicro(updated).UTC()
	return c, nil
}

// SetKEVAlerts turns KEV alerts on or off in c.ChannelID (of c.GuildID, by
// c.CreatedBy) and returns the stored setting. Turning them on starts at
// the store's now: catalog additions seen before are not alerted; turning
// on a channel already on keeps its place.
func (s *Store) SetKEVAlerts(ctx context.Context, c news.KEVAlertChannel) (news.KEVAlertChannel, error) {
	if c.GuildID == "" || c.ChannelID == "" {
		return news.KEVAlertChannel{}, errors.New("set kev alerts: empty guild or channel")
	}
	now := s.now().UnixMicro()
	out, err := scanKEVAlertChannel(s.write.QueryRowContext(ctx, `INSERT INTO kev_alert_channels
		(guild_id, channel_id, enabled, since, updated_at, created_by) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (channel_id) DO UPDATE SET guild_id = excluded.guild_id, enabled = excluded.enabled,
			since = CASE WHEN kev_alert_channels.enabled = 0 AND excluded.enabled <> 0
				THEN excluded.since ELSE kev_alert_channels.since END,
			updated_at = excluded.updated_at, created_by = excluded.created_by
		RETURNING `+kevAlertChannelColumns,
		c.GuildID, c.ChannelID, c.Enabled, now, now, c.CreatedBy))
	if err != nil {
		return news.KEVAlertChannel{}, fmt.Errorf("set kev alerts in %s: %w", c.ChannelID, err)
	}
	return out, nil
}

// GuildKEVAlerts returns the KEV alert settings of guildID's channels, on
// or off, by channel.
func (s *Store) GuildKEVAlerts(ctx context.Context, guildID string) ([]news.KEVAlertChannel, error) {
	return s.kevAlertChannels(ctx, "guild kev alerts "+guildID, `SELECT `+kevAlertChannelColumns+`
		FROM kev_alert_channels WHERE guild_id = ? ORDER BY channel_id`, guildID)
}

// DueKEVAlertChannels returns up to limit channels with KEV alerts on that
// have catalog additions past their place (Since): the KEV alert job's
// work, oldest place first. With nothing new it reads no channel.
func (s *Store) DueKEVAlertChannels(ctx context.Context, limit int) ([]news.KEVAlertChannel, error) {
	if limit <= 0 {
		return nil, nil
	}
	return s.kevAlertChannels(ctx, "due kev alert channels", `SELECT `+kevAlertChannelColumns+`
		FROM kev_alert_channels WHERE enabled <> 0
		AND since < (SELECT COALESCE(MAX(first_seen_at), 0) FROM kev WHERE baseline = 0)
		ORDER BY since, channel_id LIMIT ?`, int64(limit))
}

func (s *Store) kevAlertChannels(ctx context.Context, what, query string, args ...any) ([]news.KEVAlertChannel, error) {
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var out []news.KEVAlertChannel
	for rows.Next() {
		c, err := scanKEVAlertChannel(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, c)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// AdvanceKEVAlerts moves channelID's place in the catalog to through: every
// addition first seen up to then was handled. A place already later is
// kept.
func (s *Store) AdvanceKEVAlerts(ctx context.Context, channelID string, through time.Time) error {
	if _, err := s.write.ExecContext(ctx, `UPDATE kev_alert_channels SET since = ?
		WHERE channel_id = ? AND since < ?`, through.UnixMicro(), channelID, through.UnixMicro()); err != nil {
		return fmt.Errorf("advance kev alerts in %s: %w", channelID, err)
	}
	return nil
}

// ClaimKEVAlerts claims the alert of each of cves in channelID (of
// guildID) for this Store's owner, for one lease, and returns those it
// got, in the order given: a CVE nobody claimed yet, or whose earlier
// attempt failed and may be tried again (its lease lapsed, not posted, not
// given up). A CVE posted, given up, or claimed by a live lease is not
// returned, so exactly one process posts each alert once.
func (s *Store) ClaimKEVAlerts(ctx context.Context, guildID, channelID string, cves []string) ([]news.KEVAlertClaim, error) {
	now := s.now()
	var out []news.KEVAlertClaim
	for _, cve := range cves {
		var attempts int64
		err := s.write.QueryRowContext(ctx, `INSERT INTO kev_alerts
			(channel_id, cve, guild_id, message_id, lease_owner, lease_until, attempts, given_up)
			VALUES (?, ?, ?, '', ?, ?, 1, 0)
			ON CONFLICT (channel_id, cve) DO UPDATE SET lease_owner = excluded.lease_owner,
				lease_until = excluded.lease_until, attempts = kev_alerts.attempts + 1
			WHERE kev_alerts.message_id = '' AND kev_alerts.given_up = 0 AND kev_alerts.lease_until <= ?
			RETURNING attempts`,
			channelID, cve, guildID, s.owner, now.Add(s.lease).UnixMicro(), now.UnixMicro()).Scan(&attempts)
		if isNoRows(err) {
			continue
		}
		if err != nil {
			return out, fmt.Errorf("claim kev alert %s in %s: %w", cve, channelID, err)
		}
		out = append(out, news.KEVAlertClaim{CVE: cve, Attempts: int(attempts)})
	}
	return out, nil
}

// KEVAlertsPosted records that messageID told channelID of cves, whose
// claims this Store's owner holds.
func (s *Store) KEVAlertsPosted(ctx context.Context, channelID string, cves []string, messageID string) error {
	if messageID == "" {
		return fmt.Errorf("kev alerts posted in %s: empty message id", channelID)
	}
	err := s.eachKEVAlert(ctx, cves, `UPDATE kev_alerts SET message_id = ?, sent_at = ?, lease_owner = ''
		WHERE channel_id = ? AND cve = ? AND message_id = '' AND lease_owner = ?`,
		func(cve string) []any { return []any{messageID, s.now().UnixMicro(), channelID, cve, s.owner} })
	if err != nil {
		return fmt.Errorf("kev alerts posted in %s: %w", channelID, err)
	}
	return nil
}

// ReleaseKEVAlerts gives up this Store's claims on cves in channelID,
// unposted: they may be claimed again from retryAt on, or never when
// giveUp is set (the last attempt, or Discord refused the channel).
func (s *Store) ReleaseKEVAlerts(ctx context.Context, channelID string, cves []string, retryAt time.Time, giveUp bool) error {
	err := s.eachKEVAlert(ctx, cves, `UPDATE kev_alerts SET lease_owner = '', lease_until = ?, given_up = ?
		WHERE channel_id = ? AND cve = ? AND message_id = '' AND lease_owner = ?`,
		func(cve string) []any { return []any{retryAt.UnixMicro(), giveUp, channelID, cve, s.owner} })
	if err != nil {
		return fmt.Errorf("release kev alerts in %s: %w", channelID, err)
	}
	return nil
}

// eachKEVAlert runs query with args(cve) for each of cves, in one
// transaction.
func (s *Store) eachKEVAlert(ctx context.Context, cves []string, query string, args func(cve string) []any) error {
	if len(cves) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *txn) error {
		for _, cve := range cves {
			if _, err := tx.ExecContext(ctx, query, args(cve)...); err != nil {
				return fmt.Errorf("%s: %w", cve, err)
			}
		}
		return nil
	})
}

// KEVAlertsDone returns which of cves are done in channelID: posted or
// given up. A CVE never claimed, claimed and not yet posted, or waiting to
// be tried again is not.
func (s *Store) KEVAlertsDone(ctx context.Context, channelID string, cves []string) (map[string]bool, error) {
	done := make(map[string]bool, len(cves))
	if len(cves) == 0 {
		return done, nil
	}
	args := []any{channelID}
	for _, c := range cves {
		args = append(args, c)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT cve FROM kev_alerts WHERE channel_id = ?
		AND cve IN `+placeholders(len(cves))+` AND (message_id <> '' OR given_up <> 0)`, args...)
	if err != nil {
		return nil, fmt.Errorf("kev alerts done in %s: %w", channelID, err)
	}
	for rows.Next() {
		var cve string
		if err := rows.Scan(&cve); err != nil {
			rows.Close()
			return nil, fmt.Errorf("kev alerts done in %s: %w", channelID, err)
		}
		done[cve] = true
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("kev alerts done in %s: %w", channelID, err)
	}
	return done, nil
}

// KEVAlertSent returns when channelID was told of cve and by which
// message; found is false when it was not (yet).
func (s *Store) KEVAlertSent(ctx context.Context, channelID, cve string) (messageID string, sentAt time.Time, found bool, err error) {
	var at sql.NullInt64
	err = s.read.QueryRowContext(ctx, `SELECT message_id, sent_at FROM kev_alerts
		WHERE channel_id = ? AND cve = ? AND message_id <> ''`, channelID, cve).Scan(&messageID, &at)
	if isNoRows(err) {
		return "", time.Time{}, false, nil
	}
	if err != nil {
		return "", time.Time{}, false, fmt.Errorf("kev alert %s in %s: %w", cve, channelID, err)
	}
	return messageID, scanTime(at), true, nil
}
