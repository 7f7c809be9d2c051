package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/secbrief/secbrief/news"
)

// PutArticle stores a's text and metadata under a.Hash(), stamped with the
// Store's clock as its fetch time. Storing the same text again refreshes the
// metadata and the fetch time; an empty URL (pasted text) keeps the URL
// already stored. The URL of a fetched page is also mapped to this text as
// its latest fetch, for ArticleByURL; text a feed carried (a.FromFeed) is
// never mapped to the URL it links.
func (s *Store) PutArticle(ctx context.Context, a news.Article) error {
	hash := a.Hash()
	now := s.now().UnixMicro()
	err := s.tx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO articles (hash, url, title, byline, site, language, published, text, fetched_at, feed_url, item_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (hash) DO UPDATE SET
				url        = CASE WHEN excluded.url <> '' THEN excluded.url ELSE articles.url END,
				title      = excluded.title,
				byline     = excluded.byline,
				site       = excluded.site,
				language   = excluded.language,
				published  = excluded.published,
				text       = excluded.text,
				fetched_at = excluded.fetched_at`,
			hash, a.URL, a.Title, a.Byline, a.Site, a.Language, dbTime(a.Published), a.Text, now,
			a.FeedURL, a.ItemID); err != nil {
			return err
		}
		if a.URL == "" || a.FromFeed() {
			return nil
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO article_urls (url, article_hash, fetched_at) VALUES (?, ?, ?)
			ON CONFLICT (url) DO UPDATE SET
				article_hash = excluded.article_hash,
				fetched_at   = excluded.fetched_at`,
			a.URL, hash, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("put article %s: %w", hash, err)
	}
	return nil
}

// Article returns the article whose text has the given hash.
func (s *Store) Article(ctx context.Context, hash string) (news.Article, bool, error) {
	row := s.read.QueryRowContext(ctx, `
		SELECT url, title, byline, site, language, published, text, feed_url, item_id
		FROM articles WHERE hash = ?`, hash)
	a, err := scanArticle(row)
	if errors.Is(err, sql.ErrNoRows) {
		return news.Article{}, false, nil
	}
	if err != nil {
		return news.Article{}, false, fmt.Errorf("get article %s: %w", hash, err)
	}
	return a, true, nil
}

// ArticleByURL returns the article most recently stored for url, provided
// it was stored no longer than maxAge ago by the Store's clock (maxAge <= 0:
// any age). The returned article's URL is url. Only fetched pages are
// mapped to URLs, so a feed's text is never returned.
func (s *Store) ArticleByURL(ctx context.Context, url string, maxAge time.Duration) (news.Article, bool, error) {
	if url == "" {
		return news.Article{}, false, nil
	}
	oldest := int64(0)
	if maxAge > 0 {
		oldest = s.now().Add(-maxAge).UnixMicro()
	}
	row := s.read.QueryRowContext(ctx, `
		SELECT u.url, a.title, a.byline, a.site, a.language, a.published, a.text, a.feed_url, a.item_id
		FROM article_urls u JOIN articles a ON a.hash = u.article_hash
		WHERE u.url = ? AND a.feed_url = '' AND u.fetched_at >= ?`, url, oldest)
	a, err := scanArticle(row)
	if errors.Is(err, sql.ErrNoRows) {
		return news.Article{}, false, nil
	}
	if err != nil {
		return news.Article{}, false, fmt.Errorf("get article by url %s: %w", url, err)
	}
	return a, true, nil
}

func scanArticle(row *sql.Row) (news.Article, error) {
	var (
		a         news.Article
		published sql.NullInt64
	)
	if err := row.Scan(&a.URL, &a.Title, &a.Byline, &a.Site, &a.Language, &published, &a.Text, &a.FeedURL, &a.ItemID); err != nil {
		return news.Article{}, err
	}
	a.Published = scanTime(published)
	return a, nil
}
