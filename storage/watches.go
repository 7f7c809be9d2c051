package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/secbrief/secbrief/news"
)

// watchLockSpace is the first key of the PostgreSQL advisory locks that
// serialize the watch additions of one guild (the second is the hash of the
// guild id), so processes adding at once cannot pass its limit together.
// The bytes of "wtch".
const watchLockSpace int32 = 0x77746368

// watchColumns are the columns scanWatch reads, in its order.
const watchColumns = `id, guild_id, channel_id, term, role_id, min_severity, kev_only, created_by, created_at`

// AddWatch stores w and returns it with its id, normalized term and
// creation time (the store's now when w has none). It fails with an error
// wrapping news.ErrWatchExists when w's channel already watches the term
// (compared by news.WatchTermKey), and news.ErrTooManyWatches when the
// guild already has maxPerGuild watches (zero or less: no limit). The
// check and the insert are one step across processes: a PostgreSQL
// advisory lock per guild held to commit; with SQLite the write
// transaction serializes them.
func (s *Store) AddWatch(ctx context.Context, w news.Watch, maxPerGuild int) (news.Watch, error) {
	w.Term = news.NormalizeWatchTerm(w.Term)
	key := news.WatchTermKey(w.Term)
	switch {
	case w.GuildID == "" || w.ChannelID == "":
		return news.Watch{}, fmt.Errorf("add watch %q: guild and channel are required", w.Term)
	case key == "":
		return news.Watch{}, errors.New("add watch: empty term")
	case w.MinSeverity != "" && !w.MinSeverity.Valid():
		return news.Watch{}, fmt.Errorf("add watch %q: unknown severity %q", w.Term, w.MinSeverity)
	}
	if w.CreatedAt.IsZero() {
		w.CreatedAt = s.now()
	}
	w.CreatedAt = w.CreatedAt.UTC().Truncate(time.Microsecond) // as stored
	err := s.tx(ctx, func(tx *txn) error {
		if err := s.lockKey(ctx, tx, watchLockSpace, w.GuildID); err != nil {
			return fmt.Errorf("watch lock: %w", err)
		}
		var same, total int
		if err := tx.QueryRowContext(ctx, `SELECT
				COALESCE(SUM(CASE WHEN channel_id = ? AND term_key = ? THEN 1 ELSE 0 END), 0), COUNT(*)
			FROM watches WHERE guild_id = ?`, w.ChannelID, key, w.GuildID).Scan(&same, &total); err != nil {
			return fmt.Errorf("count watches: %w", err)
		}
		if same > 0 {
			return news.ErrWatchExists
		}
		if maxPerGuild > 0 && total >= maxPerGuild {
			return fmt.Errorf("%d of %d: %w", total, maxPerGuild, news.ErrTooManyWatches)
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO watches
				(guild_id, channel_id, term, term_key, role_id, min_severity, kev_only, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (guild_id, channel_id, term_key) DO NOTHING
			RETURNING id`,
			w.GuildID, w.ChannelID, w.Term, key, w.RoleID, string(w.MinSeverity), w.KEVOnly,
			w.CreatedBy, w.CreatedAt.UnixMicro()).Scan(&w.ID)
		if isNoRows(err) {
			return news.ErrWatchExists
		}
		if err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		return bumpWatchVersion(ctx, tx)
	})
	if err != nil {
		return news.Watch{}, fmt.Errorf("add watch %q in guild %s: %w", w.Term, w.GuildID, err)
	}
	return w, nil
}

// GuildWatches returns guildID's watches, ordered by term (case-folded),
// then channel.
func (s *Store) GuildWatches(ctx context.Context, guildID string) ([]news.Watch, error) {
	ws, err := s.queryWatches(ctx, `SELECT `+watchColumns+` FROM watches WHERE guild_id = ?
		ORDER BY term_key, channel_id, id`, guildID)
	if err != nil {
		return nil, fmt.Errorf("watches of guild %s: %w", guildID, err)
	}
	return ws, nil
}

// AllWatches returns every guild's watches, ordered by id: what a process
// indexes to match new items.
func (s *Store) AllWatches(ctx context.Context) ([]news.Watch, error) {
	ws, err := s.queryWatches(ctx, `SELECT `+watchColumns+` FROM watches ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("all watches: %w", err)
	}
	return ws, nil
}

// RemoveWatch deletes guildID's watches of term (compared by
// news.WatchTermKey) in every channel and returns how many there were.
func (s *Store) RemoveWatch(ctx context.Context, guildID, term string) (int, error) {
	n, err := s.deleteWatches(ctx, `DELETE FROM watches WHERE guild_id = ? AND term_key = ?`,
		guildID, news.WatchTermKey(term))
	if err != nil {
		return 0, fmt.Errorf("remove watch %q in guild %s: %w", term, guildID, err)
	}
	return n, nil
}

// RemoveChannelWatches deletes every watch that alerts in channelID (the
// channel is gone, or the bot may no longer post there) and returns how
// many there were.
func (s *Store) RemoveChannelWatches(ctx context.Context, channelID string) (int, error) {
	n, err := s.deleteWatches(ctx, `DELETE FROM watches WHERE channel_id = ?`, channelID)
	if err != nil {
		return 0, fmt.Errorf("remove watches of channel %s: %w", channelID, err)
	}
	return n, nil
}

// WatchesChanged returns a number that changes whenever a watch is added
// or removed, by any process sharing the store: a process keeping an index
// of AllWatches rebuilds it when the number differs from the one it read
// before loading them. One row read: cheap to ask every poll.
func (s *Store) WatchesChanged(ctx context.Context) (int64, error) {
	var v int64
	if err := s.read.QueryRowContext(ctx, `SELECT version FROM watch_version WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("watch version: %w", err)
	}
	return v, nil
}

// deleteWatches runs a DELETE of watches and counts the change when it
// deleted any.
func (s *Store) deleteWatches(ctx context.Context, query string, args ...any) (int, error) {
	var n int64
	err := s.tx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		return bumpWatchVersion(ctx, tx)
	})
	return int(n), err
}

// bumpWatchVersion counts one change to watches (WatchesChanged).
func bumpWatchVersion(ctx context.Context, tx *txn) error {
	if _, err := tx.ExecContext(ctx, `UPDATE watch_version SET version = version + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("count watch change: %w", err)
	}
	return nil
}

// queryWatches runs a SELECT of watchColumns.
func (s *Store) queryWatches(ctx context.Context, query string, args ...any) ([]news.Watch, error) {
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []news.Watch
	for rows.Next() {
		var w news.Watch
		var sev string
		var kev int64
		var created sql.NullInt64
		if err := rows.Scan(&w.ID, &w.GuildID, &w.ChannelID, &w.Term, &w.RoleID, &sev, &kev,
			&w.CreatedBy, &created); err != nil {
			return nil, err
		}
		w.MinSeverity = news.Severity(sev)
		w.KEVOnly = kev != 0
		w.CreatedAt = scanTime(created)
		out = append(out, w)
	}
	return out, rows.Err()
}
