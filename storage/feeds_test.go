package storage

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

var feedsT0 = time.Date(2025, 7, 24, 12, 0, 0, 0, time.UTC)

func TestSubscribeUnsubscribe(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		clock := &testClock{t: feedsT0}
		s := open(t, WithClock(clock.Now))
		const feed = "https://example.com/feed"

		steps := []struct {
			name string
			do   func() (bool, error)
			want bool
		}{
			{"first subscribe adds", func() (bool, error) { return s.Subscribe(ctx, "g1", feed, "Example") }, true},
			{"second subscribe is a no-op", func() (bool, error) { return s.Subscribe(ctx, "g1", feed, "") }, false},
			{"other guild adds", func() (bool, error) { return s.Subscribe(ctx, "g2", feed, "") }, true},
			{"unsubscribe removes", func() (bool, error) { return s.Unsubscribe(ctx, "g1", feed) }, true},
			{"unsubscribe again removes nothing", func() (bool, error) { return s.Unsubscribe(ctx, "g1", feed) }, false},
		}
		for _, st := range steps {
			got, err := st.do()
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if got != st.want {
				t.Errorf("%s: got %v, want %v", st.name, got, st.want)
			}
		}
		g1, err := s.GuildFeeds(ctx, "g1")
		if err != nil || len(g1) != 0 {
			t.Errorf("GuildFeeds(g1) = %v, %v; want none", g1, err)
		}
		g2, err := s.GuildFeeds(ctx, "g2")
		if err != nil {
			t.Fatal(err)
		}
		if len(g2) != 1 || g2[0].URL != feed || g2[0].Title != "Example" {
			t.Errorf("GuildFeeds(g2) = %+v; want the feed titled Example (empty title keeps the old one)", g2)
		}
		guilds, err := s.FeedGuilds(ctx, feed)
		if err != nil || !slices.Equal(guilds, []string{"g2"}) {
			t.Errorf("FeedGuilds = %v, %v; want [g2]", guilds, err)
		}
	})
}

func TestSeedGuild(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		s := open(t)
		defaults := []string{"https://a.example/feed", "https://b.example/feed"}

		seeded, err := s.SeedGuild(ctx, "g1", defaults)
		if err != nil || !seeded {
			t.Fatalf("first SeedGuild = %v, %v; want seeded", seeded, err)
		}
		if fs, _ := s.GuildFeeds(ctx, "g1"); len(fs) != 2 {
			t.Fatalf("after seeding, %d feeds; want 2", len(fs))
		}
		for _, u := range defaults {
			if _, err := s.Unsubscribe(ctx, "g1", u); err != nil {
				t.Fatal(err)
			}
		}
		seeded, err = s.SeedGuild(ctx, "g1", defaults)
		if err != nil || seeded {
			t.Errorf("SeedGuild after the guild removed everything = %v, %v; want not seeded", seeded, err)
		}
		if fs, _ := s.GuildFeeds(ctx, "g1"); len(fs) != 0 {
			t.Errorf("guild that removed everything has %d feeds again", len(fs))
		}

		// A guild whose admin added a feed before the seed keeps its own list.
		if _, err := s.Subscribe(ctx, "g2", "https://c.example/feed", "C"); err != nil {
			t.Fatal(err)
		}
		if seeded, err := s.SeedGuild(ctx, "g2", defaults); err != nil || seeded {
			t.Errorf("SeedGuild after Subscribe = %v, %v; want not seeded", seeded, err)
		}
	})
}

func TestFeedStateRoundTripAndDue(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		clock := &testClock{t: feedsT0}
		s := open(t, WithClock(clock.Now))
		urls := map[string]string{
			"never polled": "https://a.example/feed",
			"due":          "https://b.example/feed",
			"later":        "https://c.example/feed",
			"disabled":     "https://d.example/feed",
		}
		for _, u := range urls {
			if _, err := s.Subscribe(ctx, "g1", u, ""); err != nil {
				t.Fatal(err)
			}
		}
		// Known to the store but subscribed by nobody: never due.
		if err := s.SaveFeedState(ctx, news.FeedState{URL: "https://orphan.example/feed"}); err != nil {
			t.Fatal(err)
		}
		states := []news.FeedState{
			{URL: urls["due"], Title: "B", ETag: `"v1"`, LastModified: "Thu, 24 Jul 2025 11:00:00 GMT",
				NextPollAt: feedsT0.Add(-time.Minute), LastPolledAt: feedsT0.Add(-16 * time.Minute)},
			{URL: urls["later"], Failures: 2, LastError: "HTTP 500", NextPollAt: feedsT0.Add(time.Hour)},
			{URL: urls["disabled"], Failures: 10, LastError: "HTTP 404", DisabledAt: feedsT0.Add(-time.Hour)},
		}
		for _, st := range states {
			if err := s.SaveFeedState(ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		for _, want := range states {
			got, err := s.FeedState(ctx, want.URL)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("FeedState(%s) =\n %+v\nwant\n %+v", want.URL, got, want)
			}
		}
		if got, err := s.FeedState(ctx, "https://unknown.example/"); err != nil || got != (news.FeedState{URL: "https://unknown.example/"}) {
			t.Errorf("FeedState(unknown) = %+v, %v; want zero state with URL", got, err)
		}

		due, err := s.DueFeeds(ctx, feedsT0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, st := range due {
			got = append(got, st.URL)
		}
		if want := []string{urls["never polled"], urls["due"]}; !slices.Equal(got, want) {
			t.Errorf("DueFeeds = %v, want %v", got, want)
		}

		// Re-adding a disabled feed (it was just validated) enables it again.
		if _, err := s.Subscribe(ctx, "g2", urls["disabled"], ""); err != nil {
			t.Fatal(err)
		}
		st, err := s.FeedState(ctx, urls["disabled"])
		if err != nil {
			t.Fatal(err)
		}
		if st.Disabled() || st.Failures != 0 || st.LastError != "" || !st.NextPollAt.IsZero() {
			t.Errorf("after re-subscribing, state = %+v; want enabled, no failures, due now", st)
		}
	})
}

func TestAddItems(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		clock := &testClock{t: feedsT0}
		s := open(t, WithClock(clock.Now))
		const feed = "https://example.com/feed"
		if _, err := s.Subscribe(ctx, "g1", feed, "Example"); err != nil {
			t.Fatal(err)
		}

		// A new feed with 50 old items: all stored with their own dates.
		var old []news.Item
		for i := range 50 {
			old = append(old, news.Item{
				ID: fmt.Sprintf("id-%02d", i), Title: fmt.Sprintf("Old story %d", i),
				Link:      fmt.Sprintf("https://example.com/%d", i),
				Content:   "text",
				Published: feedsT0.Add(-time.Duration(i+2) * 24 * time.Hour),
			})
		}
		if n, err := s.AddItems(ctx, feed, old); err != nil || n != 50 {
			t.Fatalf("AddItems(50 old) = %d, %v; want 50", n, err)
		}
		clock.t = feedsT0.Add(time.Hour)
		edited := slices.Clone(old[:2])
		edited[0].Content = "corrected text"
		fresh := []news.Item{
			{ID: "no-date", Title: "Undated"},
			{ID: "future", Title: "From the future", Published: feedsT0.Add(48 * time.Hour)},
		}
		if n, err := s.AddItems(ctx, feed, append(edited, fresh...)); err != nil || n != 2 {
			t.Fatalf("AddItems(2 known, 2 new) = %d, %v; want 2", n, err)
		}
		if _, err := s.AddItems(ctx, feed, []news.Item{{Title: "no id"}}); err == nil {
			t.Error("AddItems accepted an item without id")
		}

		items, err := s.FeedItems(ctx, feed)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 52 {
			t.Fatalf("FeedItems = %d items, want 52", len(items))
		}
		byID := map[string]news.Item{}
		for _, it := range items {
			byID[it.ID] = it
		}
		cases := []struct {
			name, id    string
			wantAt      time.Time
			wantContent string
		}{
			{"old item keeps its published date", "id-49", feedsT0.Add(-51 * 24 * time.Hour), "text"},
			{"edited item takes new content, keeps date", "id-00", feedsT0.Add(-2 * 24 * time.Hour), "corrected text"},
			{"undated item dates from first seen", "no-date", feedsT0.Add(time.Hour), ""},
			{"future date is clamped to first seen", "future", feedsT0.Add(time.Hour), ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				it, ok := byID[c.id]
				if !ok {
					t.Fatalf("item %s missing", c.id)
				}
				if !it.Published.Equal(c.wantAt) || it.Content != c.wantContent || it.FeedTitle != "Example" {
					t.Errorf("item %s = time %v content %q feed title %q; want %v %q Example",
						c.id, it.Published, it.Content, it.FeedTitle, c.wantAt, c.wantContent)
				}
			})
		}

		var firstSeen int64
		if err := s.read.QueryRowContext(ctx, `SELECT first_seen_at FROM items WHERE item_id = 'id-00'`).Scan(&firstSeen); err != nil {
			t.Fatal(err)
		}
		if got := time.UnixMicro(firstSeen).UTC(); !got.Equal(feedsT0) {
			t.Errorf("first_seen_at of a re-seen item = %v, want the first time %v", got, feedsT0)
		}
	})
}
