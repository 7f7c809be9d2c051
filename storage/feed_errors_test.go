package storage

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// Databases written before feed errors were kind-level hold raw errors
// (addresses, dial errors, redirect targets) that /feeds list would show;
// migration 007 replaces them with a generic text and leaves healthy feeds
// alone.
func TestMigrationForgetsRawFeedErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	ctx := context.Background()
	upTo6 := migrationsBefore(t, "007")
	old := openTestStoreAt(t, path, withMigrations(upTo6))
	raw := `fetch https://feed.example/rss: Get "http://10.0.0.1/rss": dial tcp 10.0.0.1:80: connect: connection refused`
	if _, err := old.write.ExecContext(ctx, `INSERT INTO feeds (url, title, failures, last_error, disabled_at, created_at)
		VALUES ('https://feed.example/rss', 'Broken', 10, ?, 1, 1), ('https://ok.example/rss', 'Fine', 0, '', NULL, 1)`, raw); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	s := openTestStoreAt(t, path)
	broken, err := s.FeedState(ctx, "https://feed.example/rss")
	if err != nil {
		t.Fatal(err)
	}
	if broken.LastError != "the feed could not be fetched" || strings.Contains(broken.LastError, "10.0.0.1") || !broken.Disabled() {
		t.Errorf("after migration the broken feed is %+v; want it disabled with the generic error", broken)
	}
	if fine, err := s.FeedState(ctx, "https://ok.example/rss"); err != nil || fine.LastError != "" {
		t.Errorf("after migration the healthy feed is %+v, %v; want no error", fine, err)
	}
}
