package storage

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/secbrief/secbrief/news"
)

// TestConcurrentWriters runs 16 goroutines of 50 writes each through the
// public methods, half of them on a second Store on the same file (another
// process), with readers alongside: no write may fail, "database is locked"
// included, and every write must land.
func TestConcurrentWriters(t *testing.T) {
	const (
		workers = 16
		writes  = 50
	)
	path := filepath.Join(t.TempDir(), "busy.db")
	ctx := context.Background()
	stores := []*Store{openTestStoreAt(t, path), openTestStoreAt(t, path)}
	for _, s := range stores {
		if err := s.PutThread(ctx, news.Thread{ID: "th", Kind: news.ThreadSummary}); err != nil {
			t.Fatal(err)
		}
	}

	var wg sync.WaitGroup
	errs := make(chan error, workers*writes+workers)
	for w := range workers {
		s := stores[w%len(stores)]
		wg.Go(func() {
			for i := range writes {
				var err error
				switch i % 4 {
				case 0:
					err = s.PutSummary(ctx, fmt.Sprintf("k-%d-%d", w, i), sampleSummary())
				case 1:
					err = s.AddUsage(ctx, news.Usage{GuildID: "g", Day: "2025-01-01", Model: "m", PromptTokens: 2, CompletionTokens: 1})
				case 2:
					err = s.AddTurn(ctx, "th", news.Turn{UserID: fmt.Sprint(w), Question: "q", Answer: "a"})
				case 3:
					err = s.PutArticle(ctx, news.Article{URL: fmt.Sprintf("https://e.com/%d", w), Text: fmt.Sprintf("text %d %d", w, i)})
				}
				if err != nil {
					errs <- fmt.Errorf("worker %d write %d: %w", w, i, err)
				}
				if _, _, err := s.Summary(ctx, "k-0-0"); err != nil {
					errs <- fmt.Errorf("worker %d read %d: %w", w, i, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// perKind[k] is how many writes of kind k (i % 4) all workers made.
	var perKind [4]int
	for i := range writes {
		perKind[i%4] += workers
	}
	s := stores[0]
	if got, err := s.TokensOn(ctx, "g", "2025-01-01"); err != nil || got != perKind[1]*3 {
		t.Errorf("TokensOn = %d, %v; want %d", got, err, perKind[1]*3)
	}
	if got, err := s.Turns(ctx, "th", 0); err != nil || len(got) != perKind[2] {
		t.Errorf("Turns = %d turns, %v; want %d", len(got), err, perKind[2])
	}
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM summaries`).Scan(&n); err != nil || n != perKind[0] {
		t.Errorf("summaries = %d, %v; want %d", n, err, perKind[0])
	}
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM articles`).Scan(&n); err != nil || n != perKind[3] {
		t.Errorf("articles = %d, %v; want %d", n, err, perKind[3])
	}
}

// TestTransactionsBeginImmediate checks _txlock=immediate: a write
// transaction holds the write lock from BEGIN, before its first write, so
// two processes that read then write never deadlock into SQLITE_BUSY. A
// connection of "another process" that does not wait (busy_timeout 0)
// cannot begin its own write while a Store transaction that has only read
// is open, and can once it commits.
func TestTransactionsBeginImmediate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock.db")
	ctx := context.Background()
	s := openTestStoreAt(t, path)
	other, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(0)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.SetMaxOpenConns(1)

	err = s.tx(ctx, func(tx *txn) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM articles`).Scan(&n); err != nil {
			return err
		}
		otx, err := other.BeginTx(ctx, nil)
		if err == nil {
			otx.Rollback()
			t.Error("another connection began a write transaction while a Store transaction was open: not IMMEDIATE")
		} else if !strings.Contains(err.Error(), "locked") && !strings.Contains(err.Error(), "busy") {
			t.Errorf("other BEGIN: %v, want SQLITE_BUSY", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	otx, err := other.BeginTx(ctx, nil)
	if err != nil {
		t.Fatalf("BEGIN after the Store committed: %v", err)
	}
	otx.Rollback()
}
