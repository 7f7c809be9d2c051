package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/secbrief/secbrief/news"
)

// RecordPostedCVEs records that the bot posted messages naming CVEs (one
// row per message and CVE), in one transaction. It is idempotent: a
// message recorded again for the same CVE keeps its first row. CVE ids are
// stored in upper case; an entry without a guild, channel, message or CVE
// is an error and nothing is recorded.
func (s *Store) RecordPostedCVEs(ctx context.Context, ps []news.PostedCVE) error {
	if len(ps) == 0 {
		return nil
	}
	for _, p := range ps {
		if p.GuildID == "" || p.ChannelID == "" || p.MessageID == "" || strings.TrimSpace(p.CVE) == "" {
			return fmt.Errorf("record posted cves: incomplete entry %+v", p)
		}
	}
	err := s.tx(ctx, func(tx *txn) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO posted_cves
			(guild_id, cve, channel_id, message_id, title, url, posted_at) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (guild_id, cve, channel_id, message_id) DO NOTHING`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, p := range ps {
			at := p.PostedAt
			if at.IsZero() {
				at = s.now()
			}
			if _, err := st.ExecContext(ctx, p.GuildID, strings.ToUpper(strings.TrimSpace(p.CVE)), p.ChannelID,
				p.MessageID, p.Title, p.URL, at.UnixMicro()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record posted cves: %w", err)
	}
	return nil
}

// PostedCVEs returns up to limit (all when limit <= 0) of the messages the
// bot posted in guildID that name cve (any case), newest first.
func (s *Store) PostedCVEs(ctx context.Context, guildID, cve string, limit int) ([]news.PostedCVE, error) {
	cve = strings.ToUpper(strings.TrimSpace(cve))
	q := `SELECT channel_id, message_id, title, url, posted_at FROM posted_cves
		WHERE guild_id = ? AND cve = ? ORDER BY posted_at DESC, message_id DESC`
	args := []any{guildID, cve}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("posted cves %s in %s: %w", cve, guildID, err)
	}
	var out []news.PostedCVE
	for rows.Next() {
		p := news.PostedCVE{GuildID: guildID, CVE: cve}
		var at sql.NullInt64
		if err := rows.Scan(&p.ChannelID, &p.MessageID, &p.Title, &p.URL, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("posted cves %s in %s: %w", cve, guildID, err)
		}
		p.PostedAt = scanTime(at)
		out = append(out, p)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("posted cves %s in %s: %w", cve, guildID, err)
	}
	return out, nil
}
