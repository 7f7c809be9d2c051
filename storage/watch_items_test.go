package storage

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

func TestAddNewItems(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		clock := &testClock{t: feedsT0}
		s := open(t, WithClock(clock.Now))
		const feed = "https://example.com/feed"
		first := []news.Item{
			{ID: "a", Title: "Alpha", Published: feedsT0.Add(-time.Hour)},
			{ID: "b", Title: "Beta", Published: feedsT0.Add(48 * time.Hour)}, // a wrong clock
		}
		got, err := s.AddNewItems(ctx, feed, first)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != "a" || got[1].ID != "b" {
			t.Fatalf("AddNewItems(first) = %+v, want a and b", got)
		}
		if got[0].FeedURL != feed || !got[0].Published.Equal(feedsT0.Add(-time.Hour)) {
			t.Errorf("item a = %+v, want its feed and date", got[0])
		}
		if !got[1].Published.Equal(feedsT0) {
			t.Errorf("item b published %v, want now (%v): a future date is stored as now", got[1].Published, feedsT0)
		}

		// Known items, even edited, are not new; only c is.
		clock.t = feedsT0.Add(time.Minute)
		again := []news.Item{{ID: "a", Title: "Alpha, corrected"}, {ID: "c", Title: "Gamma"}}
		got, err = s.AddNewItems(ctx, feed, again)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != "c" {
			t.Fatalf("AddNewItems(again) = %+v, want only c", got)
		}
		if n, err := s.AddItems(ctx, feed, again); err != nil || n != 0 {
			t.Errorf("AddItems(again) = %d, %v; want 0 new", n, err)
		}
	})
}

func TestRecentGuildItems(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		clock := &testClock{t: feedsT0}
		s := open(t, WithClock(clock.Now))
		const feedA, feedB, other = "https://a.example/feed", "https://b.example/feed", "https://other.example/feed"
		for _, f := range []struct{ guild, url, title string }{
			{"g1", feedA, "Outlet A"}, {"g1", feedB, "Outlet B"}, {"g2", other, "Other"},
		} {
			if _, err := s.Subscribe(ctx, f.guild, f.url, f.title); err != nil {
				t.Fatal(err)
			}
		}
		add := func(at time.Time, feed string, items ...news.Item) {
			t.Helper()
			clock.t = at
			if _, err := s.AddItems(ctx, feed, items); err != nil {
				t.Fatal(err)
			}
		}
		add(feedsT0.Add(-10*24*time.Hour), feedA, news.Item{ID: "old", Title: "Old"})
		add(feedsT0.Add(-time.Hour), feedB, news.Item{ID: "b1", Title: "B one", Published: feedsT0.Add(-5 * time.Hour)})
		add(feedsT0, feedA, news.Item{ID: "a1", Title: "A one", Link: "https://a.example/1", Content: "text"},
			news.Item{ID: "a2", Title: "A two"})
		add(feedsT0, other, news.Item{ID: "x", Title: "Not g1's"})

		got, err := s.RecentGuildItems(ctx, "g1", feedsT0.Add(-2*time.Hour), 0)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, it := range got {
			ids = append(ids, it.ID)
		}
		if want := []string{"b1", "a1", "a2"}; !slices.Equal(ids, want) {
			t.Fatalf("RecentGuildItems = %v, want %v (first stored first, g1's feeds only, since the cut)", ids, want)
		}
		if got[0].FeedTitle != "Outlet B" || !got[0].Published.Equal(feedsT0.Add(-5*time.Hour)) {
			t.Errorf("b1 = %+v, want its outlet and its own date", got[0])
		}
		if got[1].FeedURL != feedA || got[1].Link != "https://a.example/1" || got[1].Content != "text" ||
			!got[1].Published.Equal(feedsT0) {
			t.Errorf("a1 = %+v, want its feed, link, content and first-stored date", got[1])
		}

		got, err = s.RecentGuildItems(ctx, "g1", feedsT0.Add(-2*time.Hour), 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != "a1" || got[1].ID != "a2" {
			t.Errorf("RecentGuildItems(limit 2) = %+v, want the newest two, a1 then a2", got)
		}
	})
}
