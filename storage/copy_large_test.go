package storage

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

// fillItems adds n items to s, each with a paragraph of content: items
// 0-2499 to feed0, the next 2500 to feed1, and so on (20 feeds, then feed0
// again).
func fillItems(t testing.TB, s *Store, n int) {
	t.Helper()
	ctx := context.Background()
	const feeds, perCall = 20, 2500
	content := strings.Repeat("Attackers exploited the flaw to run code on the appliance. ", 10)
	published := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	var batch []news.Item
	flush := func(feed int) {
		if _, err := s.AddItems(ctx, fmt.Sprintf("https://feed%d.example/rss", feed), batch); err != nil {
			t.Fatal(err)
		}
		batch = batch[:0]
	}
	for i := range n {
		batch = append(batch, news.Item{ID: fmt.Sprintf("item-%d", i), Title: fmt.Sprintf("Story %d", i),
			Link: fmt.Sprintf("https://news.example/%d", i), Content: content, Published: published.Add(time.Duration(i) * time.Second)})
		if len(batch) == perCall || i == n-1 {
			flush(i / perCall % feeds)
		}
	}
}

// TestCopyLargeStore copies a store of many items, in many batches, into
// each destination, and a second time; it logs how long each took.
// BenchmarkCopyFrom measures the copy of 100,000 items into PostgreSQL.
func TestCopyLargeStore(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a store of 5,000 items")
	}
	const n = 5000 // 10 batches
	ctx := context.Background()
	src := openTestStore(t)
	fillItems(t, src, n)
	for _, dest := range copyDestinations() {
		t.Run("into "+dest.name, func(t *testing.T) {
			dst := dest.open(t)
			start := time.Now()
			counts, err := dst.CopyFrom(ctx, src)
			if err != nil {
				t.Fatal(err)
			}
			took := time.Since(start)
			checkCounts(t, src, counts, func(_ string, source int) int { return source })
			if got := tableRows(t, dst, "items"); got != n {
				t.Fatalf("%d items after the copy, want %d", got, n)
			}
			start = time.Now()
			counts, err = dst.CopyFrom(ctx, src)
			if err != nil {
				t.Fatal(err)
			}
			checkCounts(t, src, counts, func(string, int) int { return 0 })
			t.Logf("%d items: copy %v, rerun %v", n, took.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
			// The last item of the source and an insert after it.
			items, err := dst.FeedItems(ctx, fmt.Sprintf("https://feed%d.example/rss", (n-1)/2500%20))
			if err != nil || len(items) != 2500 || items[0].ID != fmt.Sprintf("item-%d", n-1) {
				t.Fatalf("FeedItems after the copy: %d items (first %+v), %v", len(items), items[:min(1, len(items))], err)
			}
		})
	}
}

// BenchmarkCopyFrom copies 100,000 items (about 60 MB of text) from SQLite
// into a fresh PostgreSQL database per iteration.
func BenchmarkCopyFrom(b *testing.B) {
	ctx := context.Background()
	src := openTestStore(b)
	fillItems(b, src, 100000)
	for b.Loop() {
		b.StopTimer()
		dst := openTestPostgres(b)
		b.StartTimer()
		if _, err := dst.CopyFrom(ctx, src); err != nil {
			b.Fatal(err)
		}
	}
}
