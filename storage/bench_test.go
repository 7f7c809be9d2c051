package storage

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

// benchCallers are the concurrent callers each store benchmark runs with.
var benchCallers = []int{1, 8, 32}

// benchStores runs bench once per driver and number of concurrent callers,
// as sub-benchmarks driver/callers=N; PostgreSQL skips without
// SECBRIEF_TEST_POSTGRES. setup prepares a store and returns the operation
// a caller repeats (caller is 0..N-1, i counts that caller's calls).
func benchStores(b *testing.B, setup func(b *testing.B, s *Store) func(ctx context.Context, caller, i int) error) {
	for _, driver := range []struct {
		name string
		open storeOpener
	}{{DriverSQLite, openTestStore}, {DriverPostgres, openTestPostgres}} {
		for _, callers := range benchCallers {
			b.Run(fmt.Sprintf("%s/callers=%d", driver.name, callers), func(b *testing.B) {
				s := driver.open(b)
				op := setup(b, s)
				runCallers(b, callers, op)
			})
		}
	}
}

// runCallers runs b.N calls of op from callers goroutines and reports the
// operations per second.
func runCallers(b *testing.B, callers int, op func(ctx context.Context, caller, i int) error) {
	ctx := context.Background()
	var next atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for c := range callers {
		wg.Go(func() {
			for i := 0; next.Add(1) <= int64(b.N); i++ {
				if err := op(ctx, c, i); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
}

// BenchmarkStoreSummaryHit: the cached summary lookup every /summarize of
// a known article makes.
func BenchmarkStoreSummaryHit(b *testing.B) {
	benchStores(b, func(b *testing.B, s *Store) func(context.Context, int, int) error {
		sum := news.Summary{TLDR: "A critical flaw is exploited.", Title: "Advisory", Severity: "critical",
			KeyPoints: []string{"one", "two", "three"}, CVEs: []string{"CVE-2025-53770"}}
		for i := range 100 {
			if err := s.PutSummary(b.Context(), fmt.Sprintf("key-%d", i), sum); err != nil {
				b.Fatal(err)
			}
		}
		return func(ctx context.Context, caller, i int) error {
			got, ok, err := s.Summary(ctx, fmt.Sprintf("key-%d", (caller*7+i)%100))
			if err != nil || !ok || got.TLDR == "" {
				return fmt.Errorf("summary hit: ok %v err %v", ok, err)
			}
			return nil
		}
	})
}

// BenchmarkStoreMarkSeen: marking a digest's items seen in a channel (a
// digest recorded and its 10 items delivered in one transaction), each
// caller in channels of its own.
func BenchmarkStoreMarkSeen(b *testing.B) {
	benchStores(b, func(b *testing.B, s *Store) func(context.Context, int, int) error {
		const feed = "https://bench.example/feed"
		var items []news.Item
		for i := range 10 {
			items = append(items, news.Item{ID: fmt.Sprintf("item-%d", i), Title: fmt.Sprintf("Story %d", i),
				Link: fmt.Sprintf("https://bench.example/%d", i)})
		}
		if _, err := s.AddItems(b.Context(), feed, items); err != nil {
			b.Fatal(err)
		}
		var digestItems []news.DigestItem
		for _, it := range items {
			digestItems = append(digestItems, news.DigestItem{FeedURL: feed, ItemID: it.ID, Summarized: true})
		}
		return func(ctx context.Context, caller, i int) error {
			_, err := s.RecordUnshown(ctx, news.DigestRun{GuildID: "g", ChannelID: fmt.Sprintf("c%d-%d", caller, i),
				Slot: "bench", Items: digestItems})
			return err
		}
	})
}

// BenchmarkStoreClaimDueFeeds: a poller's claim of its next batch of due
// feeds (8, a poller's workers) among 2 000 due feeds, then their release
// (so they stay due); each caller is a process of its own (owner).
func BenchmarkStoreClaimDueFeeds(b *testing.B) {
	benchStores(b, func(b *testing.B, s *Store) func(context.Context, int, int) error {
		urls := make([]string, 2000)
		for i := range urls {
			urls[i] = fmt.Sprintf("https://feeds.example/%d", i)
		}
		if _, err := s.SeedGuild(b.Context(), "g", urls); err != nil {
			b.Fatal(err)
		}
		// Statistics, as a running database has them (autovacuum, SQLite's
		// optimize): without them PostgreSQL sorts every due feed instead of
		// walking feeds_due_order.
		if _, err := s.write.ExecContext(b.Context(), "ANALYZE"); err != nil {
			b.Fatal(err)
		}
		owners := make([]*Store, 32)
		for i := range owners {
			owners[i] = s.withOwner(fmt.Sprintf("process-%d", i))
		}
		now := time.Now()
		return func(ctx context.Context, caller, i int) error {
			o := owners[caller]
			got, err := o.ClaimDueFeeds(ctx, now, 8)
			if err != nil {
				return err
			}
			if len(got) == 0 {
				return fmt.Errorf("caller %d: no due feed claimed", caller)
			}
			for _, f := range got {
				if err := o.ReleaseFeed(ctx, f.URL); err != nil {
					return err
				}
			}
			return nil
		}
	})
}
