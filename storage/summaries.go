package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/secbrief/secbrief/news"
)

// Summary returns the cached summary stored under key, with Cached set.
// The key is the summarizer's; the Store does not interpret it.
func (s *Store) Summary(ctx context.Context, key string) (news.Summary, bool, error) {
	var raw []byte
	err := s.read.QueryRowContext(ctx, `SELECT summary FROM summaries WHERE key = ?`, key).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return news.Summary{}, false, nil
	}
	if err != nil {
		return news.Summary{}, false, fmt.Errorf("get summary %s: %w", key, err)
	}
	var sum news.Summary
	if err := json.Unmarshal(raw, &sum); err != nil {
		return news.Summary{}, false, fmt.Errorf("get summary %s: decode: %w", key, err)
	}
	sum.Cached = true
	return sum, true, nil
}

// PutSummary stores sum under key, replacing any summary stored there. The
// JSON of the summary is kept whole; its article hash, model, prompt version
// and language are also columns, for maintenance queries.
func (s *Store) PutSummary(ctx context.Context, key string, sum news.Summary) error {
	if key == "" {
		return errors.New("put summary: empty key")
	}
	raw, err := json.Marshal(sum)
	if err != nil {
		return fmt.Errorf("put summary %s: encode: %w", key, err)
	}
	_, err = s.write.ExecContext(ctx, `
		INSERT INTO summaries (key, article_hash, model, prompt_version, language, summary, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET
			article_hash   = excluded.article_hash,
			model          = excluded.model,
			prompt_version = excluded.prompt_version,
			language       = excluded.language,
			summary        = excluded.summary,
			created_at     = excluded.created_at`,
		key, sum.ArticleHash, sum.Model, sum.PromptVersion, sum.Language, string(raw), s.now().UnixMicro())
	if err != nil {
		return fmt.Errorf("put summary %s: %w", key, err)
	}
	return nil
}
