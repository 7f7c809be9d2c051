package storage

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/secbrief/secbrief/news"
)

// A feed's text for an item linking someone else's page is stored for the
// item, with its provenance, and never answers for the page's URL.
func TestFeedTextNeverStandsForItsLink(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		s := open(t)
		ctx := context.Background()
		const link = "https://victim.example/story"
		poison := news.Article{URL: link, Title: "Victim story", Text: "Forged text that the victim never wrote, at length.",
			FeedURL: "https://attacker.example/feed.xml", ItemID: "guid-1"}
		if err := s.PutArticle(ctx, poison); err != nil {
			t.Fatal(err)
		}
		if a, ok, err := s.ArticleByURL(ctx, link, 0); err != nil || ok {
			t.Fatalf("ArticleByURL(link) = %q, %v, %v; want no article: a feed's text is not the page", a.Text, ok, err)
		}
		got, ok, err := s.Article(ctx, poison.Hash())
		if err != nil || !ok {
			t.Fatalf("Article(feed text) = _, %v, %v", ok, err)
		}
		if got.FeedURL != poison.FeedURL || got.ItemID != poison.ItemID || got.Hash() != poison.Hash() {
			t.Errorf("provenance lost: feed %q item %q hash %s, want %q %q %s",
				got.FeedURL, got.ItemID, got.Hash(), poison.FeedURL, poison.ItemID, poison.Hash())
		}

		// The real page, fetched later, maps the URL to its own text, and the
		// feed's copy of the same words stays a separate article.
		page := news.Article{URL: link, Title: "Victim story", Text: poison.Text}
		if err := s.PutArticle(ctx, page); err != nil {
			t.Fatal(err)
		}
		got, ok, err = s.ArticleByURL(ctx, link, 0)
		if err != nil || !ok || got.FromFeed() || got.Hash() != page.Hash() {
			t.Fatalf("ArticleByURL after the page's fetch = %+v, %v, %v; want the page", got, ok, err)
		}
		if got, _, _ := s.Article(ctx, poison.Hash()); got.FeedURL != poison.FeedURL {
			t.Errorf("the page's fetch rewrote the feed item's article: %+v", got)
		}
	})
}

// Databases written before provenance existed may map URLs to a feed's
// text; migration 006 forgets every URL mapping (pages are fetched again,
// and their summaries, keyed by content, still hit).
func TestMigrationForgetsURLMappings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	ctx := context.Background()
	upTo5 := migrationsBefore(t, "006")
	old := openTestStoreAt(t, path, withMigrations(upTo5))
	if _, err := old.write.ExecContext(ctx, `INSERT INTO articles (hash, url, title, text, fetched_at) VALUES ('h', 'https://victim.example/', 't', 'forged', 1)`); err != nil {
		t.Fatal(err)
	}
	if _, err := old.write.ExecContext(ctx, `INSERT INTO article_urls (url, article_hash, fetched_at) VALUES ('https://victim.example/', 'h', 1)`); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	s := openTestStoreAt(t, path)
	if a, ok, err := s.ArticleByURL(ctx, "https://victim.example/", 0); err != nil || ok {
		t.Fatalf("after migration ArticleByURL = %q, %v, %v; want the mapping gone", a.Text, ok, err)
	}
	if a, ok, err := s.Article(ctx, "h"); err != nil || !ok || !strings.Contains(a.Text, "forged") {
		t.Errorf("after migration Article(h) = %+v, %v, %v; want the article kept", a, ok, err)
	}
}

// migrationsBefore is the embedded migrations numbered below first (e.g.
// "006"), as a migrations FS: a database as an older release left it.
func migrationsBefore(t *testing.T, first string) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	err := fs.WalkDir(migrationFiles, "migrations", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if name := filepath.Base(p); name < first {
			body, err := fs.ReadFile(migrationFiles, p)
			if err != nil {
				return err
			}
			fsys[name] = &fstest.MapFile{Data: body}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fsys
}
