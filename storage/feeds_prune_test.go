package storage

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

// itemIDs lists the stored item ids of feed, sorted.
func itemIDs(t *testing.T, s *Store, feed string) []string {
	t.Helper()
	items, err := s.FeedItems(context.Background(), feed)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	slices.Sort(ids)
	return ids
}

// TestPruneItems: items a feed dropped more than the retention ago go,
// with their deliveries; items still in the feed, items of a digest being
// posted and each feed's newest batch stay; and the next poll brings
// nothing back as new.
func TestPruneItems(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		clock := &testClock{t: feedsT0}
		s := open(t, WithClock(clock.Now))
		const feed, quiet = "https://busy.example/feed", "https://quiet.example/feed"
		for _, f := range []string{feed, quiet} {
			if _, err := s.Subscribe(ctx, "g", f, ""); err != nil {
				t.Fatal(err)
			}
		}
		day := 24 * time.Hour
		add := func(f string, items ...news.Item) int {
			t.Helper()
			n, err := s.AddItems(ctx, f, items)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		dated := func(id string) news.Item { return news.Item{ID: id, Title: id, Published: clock.t.Add(-time.Hour)} }
		kept := news.Item{ID: "still-in-feed", Title: "still-in-feed", Published: feedsT0.Add(-time.Hour)}
		undated := func(id string) news.Item { return news.Item{ID: id, Title: id} }

		// Day 0: the busy feed carries four items; the quiet one two.
		add(feed, dated("gone"), undated("gone-undated"), kept, dated("in-pending-digest"))
		add(quiet, dated("quiet-1"), undated("quiet-2"))
		// "gone" goes out in a posted digest (a delivery), "in-pending-digest"
		// in a digest that is still being posted.
		posted, err := s.CreateDigest(ctx, news.DigestRun{GuildID: "g", ChannelID: "c", Slot: "s1",
			Items: []news.DigestItem{{FeedURL: feed, ItemID: "gone", Summarized: true}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RecordDigestPart(ctx, posted, 0, "m1", true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateDigest(ctx, news.DigestRun{GuildID: "g", ChannelID: "c2", Slot: "s2",
			Items: []news.DigestItem{{FeedURL: feed, ItemID: "in-pending-digest"}}}); err != nil {
			t.Fatal(err)
		}
		// Day 1: the quiet feed adds one item, then falls silent (empty).
		clock.t = clock.t.Add(day)
		add(quiet, dated("quiet-3"))
		// Days 2..40: the busy feed keeps carrying one old item and adds one.
		for d := 2; d <= 40; d++ {
			clock.t = clock.t.Add(day)
			feedNow := []news.Item{kept}
			if d == 40 {
				feedNow = append(feedNow, dated("fresh"))
			}
			add(feed, feedNow...)
		}

		n, err := s.PruneItems(ctx, clock.t.Add(-30*day))
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			feed string
			want []string
		}{
			{feed, []string{"fresh", "in-pending-digest", "still-in-feed"}},
			{quiet, []string{"quiet-3"}}, // the newest batch stays
		}
		for _, tc := range tests {
			if got := itemIDs(t, s, tc.feed); !slices.Equal(got, tc.want) {
				t.Errorf("%s after prune: %v, want %v", tc.feed, got, tc.want)
			}
		}
		if n != 4 {
			t.Errorf("pruned %d items, want 4", n)
		}
		var deliveries int
		if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries`).Scan(&deliveries); err != nil || deliveries != 0 {
			t.Errorf("%d deliveries left (%v), want the pruned item's gone", deliveries, err)
		}
		// The next poll finds nothing new, and no old item looks unseen.
		fresh := dated("fresh")
		fresh.Published = clock.t.Add(-time.Hour)
		if n := add(feed, kept, fresh); n != 0 {
			t.Errorf("next poll stored %d new items, want 0", n)
		}
		got, err := s.UnseenItems(ctx, news.UnseenQuery{GuildID: "g", ChannelID: "c", Now: clock.t, Lookback: day})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != "fresh" {
			t.Errorf("unseen after prune: %+v, want only fresh", got)
		}
		// Nothing is left to prune.
		if n, err := s.PruneItems(ctx, clock.t.Add(-30*day)); err != nil || n != 0 {
			t.Errorf("second prune = %d, %v; want 0", n, err)
		}
	})
}

// TestAddItemsRefreshesLastSeenDaily: an unchanged item's last_seen_at is
// written at most once a day.
func TestAddItemsRefreshesLastSeenDaily(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		clock := &testClock{t: feedsT0}
		s := open(t, WithClock(clock.Now))
		const feed = "https://example.com/feed"
		it := news.Item{ID: "a", Title: "a", Published: feedsT0}
		lastSeen := func() time.Time {
			var v int64
			if err := s.read.QueryRowContext(ctx, `SELECT last_seen_at FROM items WHERE item_id = 'a'`).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return time.UnixMicro(v).UTC()
		}
		steps := []struct {
			name    string
			advance time.Duration
			want    time.Time
		}{
			{"first seen", 0, feedsT0},
			{"an hour later: not rewritten", time.Hour, feedsT0},
			{"a day later: refreshed", 24 * time.Hour, feedsT0.Add(25 * time.Hour)},
		}
		for _, st := range steps {
			clock.t = clock.t.Add(st.advance)
			if _, err := s.AddItems(ctx, feed, []news.Item{it}); err != nil {
				t.Fatal(err)
			}
			if got := lastSeen(); !got.Equal(st.want) {
				t.Errorf("%s: last_seen_at %v, want %v", st.name, got, st.want)
			}
		}
	})
}
