package storage

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/pgtest"
	"github.com/secbrief/secbrief/news"
)

// feedLease reads who holds feedURL and until when (zero: nobody).
func feedLease(t testing.TB, s *Store, feedURL string) (string, time.Time) {
	t.Helper()
	var owner string
	var until sql.NullInt64
	if err := s.read.QueryRowContext(context.Background(),
		`SELECT lease_owner, lease_until FROM feeds WHERE url = ?`, feedURL).Scan(&owner, &until); err != nil {
		t.Fatalf("lease of %s: %v", feedURL, err)
	}
	return owner, scanTime(until)
}

// feedURLs lists the URLs of states, in order.
func feedURLs(states []news.FeedState) []string {
	urls := []string{}
	for _, st := range states {
		urls = append(urls, st.URL)
	}
	return urls
}

// subscribeDue subscribes guild g1 to each feed of states and saves its
// state.
func subscribeDue(t testing.TB, s *Store, states ...news.FeedState) {
	t.Helper()
	ctx := context.Background()
	for _, st := range states {
		if _, err := s.Subscribe(ctx, "g1", st.URL, ""); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveFeedState(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
}

func TestClaimDueFeeds(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		const lease = time.Minute
		a := open(t, WithOwner("a"), WithLease(lease), WithClock((&testClock{t: feedsT0}).Now))
		b := a.withOwner("b")
		f1, f2, f3, f4 := "https://1.example/feed", "https://2.example/feed", "https://3.example/feed", "https://4.example/feed"
		subscribeDue(t, a,
			news.FeedState{URL: f4},
			news.FeedState{URL: f1, NextPollAt: feedsT0.Add(-time.Hour)},
			news.FeedState{URL: f3},
			news.FeedState{URL: f2, NextPollAt: feedsT0.Add(-time.Minute)},
			news.FeedState{URL: "https://later.example/feed", NextPollAt: feedsT0.Add(time.Hour)},
			news.FeedState{URL: "https://disabled.example/feed", DisabledAt: feedsT0.Add(-time.Hour)},
		)
		// Known to the store but subscribed by nobody: never due.
		if err := a.SaveFeedState(ctx, news.FeedState{URL: "https://orphan.example/feed"}); err != nil {
			t.Fatal(err)
		}
		wantOrder := []string{f3, f4, f1, f2} // never polled (by URL), then the longest overdue
		due, err := a.DueFeeds(ctx, feedsT0)
		if err != nil || !slices.Equal(feedURLs(due), wantOrder) {
			t.Fatalf("DueFeeds = %v, %v; want %v", feedURLs(due), err, wantOrder)
		}

		claim := func(s *Store, now time.Time, limit int) []string {
			t.Helper()
			got, err := s.ClaimDueFeeds(ctx, now, limit)
			if err != nil {
				t.Fatalf("%s: ClaimDueFeeds: %v", s.owner, err)
			}
			return feedURLs(got)
		}
		steps := []struct {
			name  string
			do    func() // before the claim
			owner *Store
			now   time.Time
			limit int
			want  []string
		}{
			{"a takes the first two in DueFeeds' order", nil, a, feedsT0, 2, []string{f3, f4}},
			{"b takes the rest", nil, b, feedsT0, 0, []string{f1, f2}},
			{"a's and b's live claims are nobody's to take", nil, a, feedsT0, 0, []string{}},
			{"b gets none either", nil, b, feedsT0.Add(lease - time.Microsecond), 0, []string{}},
			{"a saved f3: not due until its next poll", func() {
				if err := a.SaveFeedState(ctx, news.FeedState{URL: f3, LastPolledAt: feedsT0,
					NextPollAt: feedsT0.Add(10 * time.Minute)}); err != nil {
					t.Fatal(err)
				}
			}, b, feedsT0, 0, []string{}},
			{"a released f4 unpolled: due for b at once", func() {
				if err := a.ReleaseFeed(ctx, f4); err != nil {
					t.Fatal(err)
				}
				// a releasing b's feed leaves b's claim alone.
				if err := a.ReleaseFeed(ctx, f1); err != nil {
					t.Fatal(err)
				}
			}, b, feedsT0, 0, []string{f4}},
			{"b's process died: its claims lapse", nil, a, feedsT0.Add(lease), 0, []string{f4, f1, f2}},
			{"at its next poll f3 is due again, last", nil, b, feedsT0.Add(10 * time.Minute), 0, []string{f4, f1, f2, f3}},
		}
		for _, st := range steps {
			if st.do != nil {
				st.do()
			}
			if got := claim(st.owner, st.now, st.limit); !slices.Equal(got, st.want) {
				t.Errorf("%s: %s claimed %v, want %v", st.name, st.owner.owner, got, st.want)
			}
		}
		if owner, until := feedLease(t, a, f1); owner != "b" || !until.Equal(feedsT0.Add(10*time.Minute+lease)) {
			t.Errorf("lease of f1 = %s until %v; want b until the claim's now plus the lease", owner, until)
		}
		// DueFeeds claims nothing and lists due feeds whoever holds them.
		if due, err := a.DueFeeds(ctx, feedsT0.Add(10*time.Minute)); err != nil || len(due) != 4 {
			t.Errorf("DueFeeds = %v, %v; want all 4 held feeds", feedURLs(due), err)
		}
	})
}

func TestClaimFeed(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		const lease = time.Minute
		a := open(t, WithOwner("a"), WithLease(lease), WithClock((&testClock{t: feedsT0}).Now))
		b := a.withOwner("b")
		const feed = "https://example.com/feed"

		st, ok, err := a.ClaimFeed(ctx, feed, feedsT0)
		if err != nil || !ok || st != (news.FeedState{URL: feed}) {
			t.Fatalf("a claiming an unknown feed = %+v, %v, %v; want it, with a zero state", st, ok, err)
		}
		if owner, until := feedLease(t, a, feed); owner != "a" || !until.Equal(feedsT0.Add(lease)) {
			t.Errorf("lease = %s until %v; want a until %v", owner, until, feedsT0.Add(lease))
		}
		saved := news.FeedState{URL: feed, Title: "Example", ETag: `"v1"`, LastPolledAt: feedsT0,
			NextPollAt: feedsT0.Add(15 * time.Minute)}

		steps := []struct {
			name   string
			do     func() // before the claim
			owner  *Store
			now    time.Time
			want   bool
			wantSt news.FeedState
		}{
			{"b is refused a's live claim", nil, b, feedsT0.Add(lease - time.Microsecond), false, news.FeedState{URL: feed}},
			{"a renews its own", nil, a, feedsT0.Add(30 * time.Second), true, news.FeedState{URL: feed}},
			{"the renewal holds past the first lease", nil, b, feedsT0.Add(lease), false, news.FeedState{URL: feed}},
			{"a saved: free, with the new state", func() {
				if err := a.SaveFeedState(ctx, saved); err != nil {
					t.Fatal(err)
				}
			}, b, feedsT0.Add(time.Minute), true, saved},
			{"a's save does not free b's claim", func() {
				if err := a.SaveFeedState(ctx, saved); err != nil {
					t.Fatal(err)
				}
			}, a, feedsT0.Add(time.Minute), false, saved},
			{"b's lease lapsed: a takes over", nil, a, feedsT0.Add(2 * time.Minute), true, saved},
			{"a released: b gets it", func() {
				if err := a.ReleaseFeed(ctx, feed); err != nil {
					t.Fatal(err)
				}
			}, b, feedsT0.Add(2 * time.Minute), true, saved},
		}
		for _, s := range steps {
			if s.do != nil {
				s.do()
			}
			got, ok, err := s.owner.ClaimFeed(ctx, feed, s.now)
			if err != nil || ok != s.want || got != s.wantSt {
				t.Errorf("%s: %s.ClaimFeed = %+v, %v, %v; want %+v, %v", s.name, s.owner.owner, got, ok, err, s.wantSt, s.want)
			}
		}
		if _, _, err := a.ClaimFeed(ctx, "", feedsT0); err == nil {
			t.Error("empty feed URL accepted")
		}
		// A feed claimed by ClaimFeed is not due for another owner.
		if _, err := a.Subscribe(ctx, "g1", feed, ""); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := b.ClaimFeed(ctx, feed, saved.NextPollAt); err != nil || !ok {
			t.Fatalf("b renewing = %v, %v", ok, err)
		}
		if got, err := a.ClaimDueFeeds(ctx, saved.NextPollAt, 0); err != nil || len(got) != 0 {
			t.Errorf("ClaimDueFeeds of a feed b holds = %v, %v; want none", feedURLs(got), err)
		}
	})
}

// TestClaimDueFeedsConcurrent: processes claiming due feeds at once, each
// on its own Store (its own connections), take disjoint sets that cover
// every due feed.
func TestClaimDueFeedsConcurrent(t *testing.T) {
	const (
		feeds     = 200
		processes = 8
		batch     = 7
	)
	openers := []struct {
		name string
		// open returns a function opening another Store on one database.
		open func(t *testing.T) func(opts ...Option) *Store
	}{
		{DriverSQLite, func(t *testing.T) func(opts ...Option) *Store {
			path := filepath.Join(t.TempDir(), "shared.db")
			return func(opts ...Option) *Store { return openTestStoreAt(t, path, opts...) }
		}},
		{DriverPostgres, func(t *testing.T) func(opts ...Option) *Store {
			dsn := pgtest.New(t)
			return func(opts ...Option) *Store {
				s, err := OpenPostgres(context.Background(), dsn, testLogger(t), opts...)
				if err != nil {
					t.Fatalf("OpenPostgres: %v", err)
				}
				t.Cleanup(func() { s.Close() })
				return s
			}
		}},
	}
	for _, o := range openers {
		t.Run(o.name, func(t *testing.T) {
			ctx := context.Background()
			open := o.open(t)
			stores := make([]*Store, processes)
			for i := range stores {
				stores[i] = open(WithOwner(fmt.Sprintf("p%d", i)))
			}
			var all []news.FeedState
			for i := range feeds {
				all = append(all, news.FeedState{URL: fmt.Sprintf("https://%03d.example/feed", i),
					NextPollAt: feedsT0.Add(-time.Duration(i) * time.Second)})
			}
			subscribeDue(t, stores[0], all...)

			claimed := make([][]string, processes)
			errs := make([]error, processes)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, s := range stores {
				wg.Go(func() {
					<-start
					for {
						got, err := s.ClaimDueFeeds(ctx, feedsT0, batch)
						if err != nil {
							errs[i] = err
							return
						}
						if len(got) == 0 {
							return
						}
						claimed[i] = append(claimed[i], feedURLs(got)...)
					}
				})
			}
			close(start)
			wg.Wait()

			owners := map[string]string{}
			for i, urls := range claimed {
				if errs[i] != nil {
					t.Errorf("p%d: %v", i, errs[i])
				}
				for _, u := range urls {
					if prev, ok := owners[u]; ok {
						t.Errorf("%s claimed by %s and p%d", u, prev, i)
					}
					owners[u] = fmt.Sprintf("p%d", i)
				}
			}
			if len(owners) != feeds {
				t.Errorf("%d feeds claimed, want all %d", len(owners), feeds)
			}
			for u, want := range owners {
				if got, _ := feedLease(t, stores[0], u); got != want {
					t.Errorf("%s: stored owner %s, claimed by %s", u, got, want)
				}
			}
			busy := 0
			for _, urls := range claimed {
				if len(urls) > 0 {
					busy++
				}
			}
			t.Logf("%d of %d processes claimed feeds", busy, processes)
		})
	}
}
