package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/secbrief/secbrief/news"
)

// dayLayout is the format of news.Usage.Day.
const dayLayout = "2006-01-02"

// AddUsage adds u's tokens to the running totals of its guild, day and
// model. An empty Day means today (UTC) by the Store's clock.
func (s *Store) AddUsage(ctx context.Context, u news.Usage) error {
	u, err := s.checkUsage(u)
	if err != nil {
		return fmt.Errorf("add usage: %w", err)
	}
	return addUsage(ctx, s.write, u)
}

// checkUsage returns u with an empty Day made today (UTC) by the Store's
// clock, or an error when u cannot be recorded.
func (s *Store) checkUsage(u news.Usage) (news.Usage, error) {
	if u.Day == "" {
		u.Day = s.now().UTC().Format(dayLayout)
	}
	if _, err := time.Parse(dayLayout, u.Day); err != nil {
		return u, fmt.Errorf("day %q is not YYYY-MM-DD", u.Day)
	}
	if u.PromptTokens < 0 || u.CompletionTokens < 0 {
		return u, fmt.Errorf("negative token count (%d prompt, %d completion)", u.PromptTokens, u.CompletionTokens)
	}
	return u, nil
}

// execer is a pool or a transaction of the Store's dialect.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// addUsage adds u (checked by checkUsage) to its totals through ex.
func addUsage(ctx context.Context, ex execer, u news.Usage) error {
	_, err := ex.ExecContext(ctx, `
		INSERT INTO usage (guild_id, day, model, prompt_tokens, completion_tokens)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (guild_id, day, model) DO UPDATE SET
			prompt_tokens     = usage.prompt_tokens + excluded.prompt_tokens,
			completion_tokens = usage.completion_tokens + excluded.completion_tokens`,
		u.GuildID, u.Day, u.Model, u.PromptTokens, u.CompletionTokens)
	if err != nil {
		return fmt.Errorf("add usage guild %q day %s: %w", u.GuildID, u.Day, err)
	}
	return nil
}

// TokensOn is the number of tokens (prompt plus completion, all models) the
// guild used on day (YYYY-MM-DD, UTC), counting those reserved by requests
// still in flight (see ReserveTokens); 0 when none were recorded.
func (s *Store) TokensOn(ctx context.Context, guildID string, day string) (int, error) {
	n, err := tokensOn(ctx, s.read, guildID, day, s.now())
	return int(n), err
}

// Usage returns the usage of every guild on the days from through to
// (YYYY-MM-DD, UTC, both included): one row per guild, day and model, the
// newest day first, then by guild and model. Days without usage have no
// row; the terminal's guild is "".
func (s *Store) Usage(ctx context.Context, from, to string) ([]news.Usage, error) {
	if err := checkDayRange(from, to); err != nil {
		return nil, fmt.Errorf("usage: %w", err)
	}
	rows, err := s.read.QueryContext(ctx, `
		SELECT guild_id, day, model, prompt_tokens, completion_tokens
		FROM usage WHERE day BETWEEN ? AND ?
		ORDER BY day DESC, guild_id, model`, from, to)
	if err != nil {
		return nil, fmt.Errorf("usage %s to %s: %w", from, to, err)
	}
	return scanUsage(rows, from, to)
}

// GuildUsage is Usage for one guild only.
func (s *Store) GuildUsage(ctx context.Context, guildID, from, to string) ([]news.Usage, error) {
	if err := checkDayRange(from, to); err != nil {
		return nil, fmt.Errorf("usage of guild %q: %w", guildID, err)
	}
	rows, err := s.read.QueryContext(ctx, `
		SELECT guild_id, day, model, prompt_tokens, completion_tokens
		FROM usage WHERE guild_id = ? AND day BETWEEN ? AND ?
		ORDER BY day DESC, model`, guildID, from, to)
	if err != nil {
		return nil, fmt.Errorf("usage of guild %q %s to %s: %w", guildID, from, to, err)
	}
	return scanUsage(rows, from, to)
}

// checkDayRange refuses days that are not YYYY-MM-DD: compared as text,
// anything else would silently select the wrong rows.
func checkDayRange(from, to string) error {
	for _, d := range []string{from, to} {
		if _, err := time.Parse(dayLayout, d); err != nil {
			return fmt.Errorf("day %q is not YYYY-MM-DD", d)
		}
	}
	return nil
}

// scanUsage reads and closes rows of usage.
func scanUsage(rows *sql.Rows, from, to string) ([]news.Usage, error) {
	defer rows.Close()
	var out []news.Usage
	for rows.Next() {
		var u news.Usage
		if err := rows.Scan(&u.GuildID, &u.Day, &u.Model, &u.PromptTokens, &u.CompletionTokens); err != nil {
			return nil, fmt.Errorf("scan usage %s to %s: %w", from, to, err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read usage %s to %s: %w", from, to, err)
	}
	return out, nil
}
