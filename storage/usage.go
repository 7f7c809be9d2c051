package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/secbrief/secbrief/news"
)

// dayLayout is the format of news.Usage.Day.
const dayLayout = "2006-01-02"

// AddUsage adds u's tokens to the running totals of its guild, day and
// model. An empty Day means today (UTC) by the Store's clock.
func (s *Store) AddUsage(ctx context.Context, u news.Usage) error {
	if u.Day == "" {
		u.Day = s.now().UTC().Format(dayLayout)
	}
	if _, err := time.Parse(dayLayout, u.Day); err != nil {
		return fmt.Errorf("add usage: day %q is not YYYY-MM-DD", u.Day)
	}
	if u.PromptTokens < 0 || u.CompletionTokens < 0 {
		return fmt.Errorf("add usage: negative token count (%d prompt, %d completion)", u.PromptTokens, u.CompletionTokens)
	}
	_, err := s.write.ExecContext(ctx, `
		INSERT INTO usage (guild_id, day, model, prompt_tokens, completion_tokens)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (guild_id, day, model) DO UPDATE SET
			prompt_tokens     = prompt_tokens + excluded.prompt_tokens,
			completion_tokens = completion_tokens + excluded.completion_tokens`,
		u.GuildID, u.Day, u.Model, u.PromptTokens, u.CompletionTokens)
	if err != nil {
		return fmt.Errorf("add usage guild %q day %s: %w", u.GuildID, u.Day, err)
	}
	return nil
}

// TokensOn is the number of tokens (prompt plus completion, all models) the
// guild used on day (YYYY-MM-DD, UTC); 0 when none were recorded.
func (s *Store) TokensOn(ctx context.Context, guildID string, day string) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `
		SELECT COALESCE(SUM(prompt_tokens + completion_tokens), 0)
		FROM usage WHERE guild_id = ? AND day = ?`, guildID, day).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("tokens of guild %q on %s: %w", guildID, day, err)
	}
	return n, nil
}
