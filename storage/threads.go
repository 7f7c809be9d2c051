package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/secbrief/secbrief/news"
)

// PutThread records the thread and the articles it discusses, replacing any
// earlier record of the same thread id. A zero CreatedAt is set from the
// Store's clock.
func (s *Store) PutThread(ctx context.Context, t news.Thread) error {
	if t.ID == "" {
		return errors.New("put thread: empty id")
	}
	if t.Kind == "" {
		return fmt.Errorf("put thread %s: empty kind", t.ID)
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = s.now()
	}
	err := s.tx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO threads (id, guild_id, channel_id, kind, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET
				guild_id   = excluded.guild_id,
				channel_id = excluded.channel_id,
				kind       = excluded.kind,
				created_at = excluded.created_at`,
			t.ID, t.GuildID, t.ChannelID, string(t.Kind), t.CreatedAt.UnixMicro()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM thread_articles WHERE thread_id = ?`, t.ID); err != nil {
			return err
		}
		for i, h := range t.ArticleHashes {
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO thread_articles (thread_id, position, article_hash) VALUES (?, ?, ?)`,
				t.ID, i, h); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("put thread %s: %w", t.ID, err)
	}
	return nil
}

// Thread returns the thread with the given id and its article hashes in the
// order they were stored.
func (s *Store) Thread(ctx context.Context, id string) (news.Thread, bool, error) {
	// One statement, so the thread and its articles come from one snapshot.
	rows, err := s.read.QueryContext(ctx, `
		SELECT t.guild_id, t.channel_id, t.kind, t.created_at, ta.article_hash
		FROM threads t LEFT JOIN thread_articles ta ON ta.thread_id = t.id
		WHERE t.id = ? ORDER BY ta.position`, id)
	if err != nil {
		return news.Thread{}, false, fmt.Errorf("get thread %s: %w", id, err)
	}
	defer rows.Close()
	t := news.Thread{ID: id}
	found := false
	for rows.Next() {
		var (
			kind    string
			created sql.NullInt64
			hash    sql.NullString
		)
		if err := rows.Scan(&t.GuildID, &t.ChannelID, &kind, &created, &hash); err != nil {
			return news.Thread{}, false, fmt.Errorf("get thread %s: %w", id, err)
		}
		found = true
		t.Kind = news.ThreadKind(kind)
		t.CreatedAt = scanTime(created)
		if hash.Valid {
			t.ArticleHashes = append(t.ArticleHashes, hash.String)
		}
	}
	if err := rows.Err(); err != nil {
		return news.Thread{}, false, fmt.Errorf("get thread %s: %w", id, err)
	}
	if !found {
		return news.Thread{}, false, nil
	}
	return t, true, nil
}

// AddTurn appends a question and its answer to the thread. A zero At is set
// from the Store's clock. It returns an error wrapping news.ErrNotFound when the
// thread was never recorded with PutThread.
func (s *Store) AddTurn(ctx context.Context, threadID string, t news.Turn) error {
	if t.At.IsZero() {
		t.At = s.now()
	}
	err := s.tx(ctx, func(tx *txn) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM threads WHERE id = ?`, threadID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return news.ErrNotFound
		}
		_, err := tx.ExecContext(ctx,
			`INSERT INTO turns (thread_id, user_id, question, answer, at) VALUES (?, ?, ?, ?, ?)`,
			threadID, t.UserID, t.Question, t.Answer, t.At.UnixMicro())
		return err
	})
	if err != nil {
		return fmt.Errorf("add turn to thread %s: %w", threadID, err)
	}
	return nil
}

// Turns returns the last limit turns of the thread, oldest first (all of
// them when limit <= 0). Turns are ordered by time, then by insertion.
func (s *Store) Turns(ctx context.Context, threadID string, limit int) ([]news.Turn, error) {
	query := `SELECT user_id, question, answer, at FROM turns
		WHERE thread_id = ? ORDER BY at DESC, id DESC`
	args := []any{threadID}
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("turns of thread %s: %w", threadID, err)
	}
	defer rows.Close()
	var turns []news.Turn
	for rows.Next() {
		var (
			t  news.Turn
			at sql.NullInt64
		)
		if err := rows.Scan(&t.UserID, &t.Question, &t.Answer, &at); err != nil {
			return nil, fmt.Errorf("turns of thread %s: %w", threadID, err)
		}
		t.At = scanTime(at)
		turns = append(turns, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("turns of thread %s: %w", threadID, err)
	}
	slices.Reverse(turns)
	return turns, nil
}

// TurnsSince counts the thread's turns at or after since, for the per-thread
// cap on turns per hour.
func (s *Store) TurnsSince(ctx context.Context, threadID string, since time.Time) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx,
		`SELECT COUNT(*) FROM turns WHERE thread_id = ? AND at >= ?`, threadID, since.UnixMicro()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count turns of thread %s: %w", threadID, err)
	}
	return n, nil
}
