package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

// unseenIDs is the ids of UnseenItems for guild's channel "c" at now.
func unseenIDs(t *testing.T, st *Store, guild string, now time.Time) []string {
	t.Helper()
	got, err := st.UnseenItems(context.Background(), news.UnseenQuery{GuildID: guild, ChannelID: "c",
		Now: now, Lookback: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range got {
		ids = append(ids, it.ID)
	}
	return ids
}

func undatedItems(n int) []news.Item {
	var items []news.Item
	for i := range n {
		items = append(items, news.Item{ID: fmt.Sprintf("old-%d", i), Title: fmt.Sprintf("old %d", i)})
	}
	return items
}

// TestUnseenUndatedFeedFloodsNothing: a feed whose items carry no date
// shows none of the items it had when added, whether the guild added it
// (Subscribe, then the items) or was seeded with it (the first poll comes
// later); an undated item that appears in a later poll is new.
func TestUnseenUndatedFeedFloodsNothing(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		const feed = "https://undated.example/feed"
		cases := []struct {
			name      string
			subscribe func(ctx context.Context, st *Store) error
			firstPoll time.Duration // after subscribing
		}{
			{"feeds add", func(ctx context.Context, st *Store) error {
				_, err := st.Subscribe(ctx, "g", feed, "")
				return err
			}, 0},
			{"seeded, polled later", func(ctx context.Context, st *Store) error {
				_, err := st.SeedGuild(ctx, "g", []string{feed})
				return err
			}, 15 * time.Minute},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ctx := context.Background()
				clk := &testClock{t: time.Date(2026, 7, 5, 6, 0, 0, 0, time.UTC)}
				st := open(t, WithClock(clk.Now))
				if err := tc.subscribe(ctx, st); err != nil {
					t.Fatal(err)
				}
				clk.t = clk.t.Add(tc.firstPoll)
				batch := undatedItems(50)
				if n, err := st.AddItems(ctx, feed, batch); err != nil || n != 50 {
					t.Fatalf("first poll stored %d, %v", n, err)
				}
				if got := unseenIDs(t, st, "g", clk.t); len(got) != 0 {
					t.Fatalf("%d items of the new feed look new, want none: %v", len(got), got)
				}
				clk.t = clk.t.Add(15 * time.Minute)
				batch = append(batch, news.Item{ID: "new", Title: "new"})
				if n, err := st.AddItems(ctx, feed, batch); err != nil || n != 1 {
					t.Fatalf("second poll stored %d, %v", n, err)
				}
				if got := unseenIDs(t, st, "g", clk.t); !slices.Equal(got, []string{"new"}) {
					t.Fatalf("unseen after the second poll = %v, want [new]", got)
				}
				// Past the look-back, the new undated item is old news too.
				if got := unseenIDs(t, st, "g", clk.t.Add(25*time.Hour)); len(got) != 0 {
					t.Fatalf("unseen a day later = %v, want none", got)
				}
			})
		}
	})
}

// TestUnseenUndatedLaterSubscriber: a guild subscribing to a feed another
// guild polls for a while gets none of its stored undated items, only those
// that appear after it subscribed.
func TestUnseenUndatedLaterSubscriber(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		const feed = "https://undated.example/feed"
		clk := &testClock{t: time.Date(2026, 7, 5, 6, 0, 0, 0, time.UTC)}
		st := open(t, WithClock(clk.Now))
		if _, err := st.Subscribe(ctx, "first", feed, ""); err != nil {
			t.Fatal(err)
		}
		batch := undatedItems(3)
		for i := range 3 { // three polls, each bringing one item more
			clk.t = clk.t.Add(time.Hour)
			batch = append(batch, news.Item{ID: fmt.Sprintf("poll-%d", i), Title: "t"})
			if _, err := st.AddItems(ctx, feed, batch); err != nil {
				t.Fatal(err)
			}
		}
		clk.t = clk.t.Add(time.Minute)
		if _, err := st.Subscribe(ctx, "g", feed, ""); err != nil {
			t.Fatal(err)
		}
		if got := unseenIDs(t, st, "g", clk.t); len(got) != 0 {
			t.Fatalf("later subscriber sees %v, want none", got)
		}
		clk.t = clk.t.Add(time.Hour)
		if _, err := st.AddItems(ctx, feed, append(batch, news.Item{ID: "after", Title: "t"})); err != nil {
			t.Fatal(err)
		}
		if got := unseenIDs(t, st, "g", clk.t); !slices.Equal(got, []string{"after"}) {
			t.Fatalf("later subscriber sees %v, want [after]", got)
		}
		if got := unseenIDs(t, st, "first", clk.t); !slices.Equal(got, []string{"poll-1", "poll-2", "after"}) {
			t.Fatalf("first subscriber sees %v, want the items after its first poll", got)
		}
	})
}

// TestUnseenDatedItemsUnchanged: dated items of a new feed still follow the
// look-back rule, first batch or not.
func TestUnseenDatedItemsUnchanged(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		const feed = "https://dated.example/feed"
		now := time.Date(2026, 7, 5, 6, 0, 0, 0, time.UTC)
		clk := &testClock{t: now}
		st := open(t, WithClock(clk.Now))
		if _, err := st.Subscribe(ctx, "g", feed, ""); err != nil {
			t.Fatal(err)
		}
		var batch []news.Item
		for i := range 50 { // one every hour, back to 49 hours ago
			batch = append(batch, news.Item{ID: fmt.Sprintf("d%02d", i), Title: "t",
				Published: now.Add(-time.Duration(i)*time.Hour - time.Minute)})
		}
		if _, err := st.AddItems(ctx, feed, batch); err != nil {
			t.Fatal(err)
		}
		got := unseenIDs(t, st, "g", now)
		if len(got) != 24 || got[0] != "d23" || got[23] != "d00" {
			t.Fatalf("unseen = %v, want the 24 items of the look-back, oldest first", got)
		}
	})
}

// TestUnseenQueryUsesFeedFirstSeenIndex pins the plan of the undated-item
// subquery: MIN(first_seen_at) of a feed must come from the index, not a
// scan of the feed's items for every row.
func TestUnseenQueryUsesFeedFirstSeenIndex(t *testing.T) {
	st := openTestStore(t)
	rows, err := st.read.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+unseenItemsSQL,
		"c", "g", "c", 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(plan, "\n")
	if !strings.Contains(text, "SEARCH m USING COVERING INDEX items_feed_first_seen (feed_url=?)") {
		t.Fatalf("the MIN(first_seen_at) subquery does not use items_feed_first_seen:\n%s", text)
	}
}
