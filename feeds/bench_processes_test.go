package feeds

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/pgtest"
	"github.com/secbrief/secbrief/storage"
)

// benchFeedLatency is how long the benchmark's feed server takes to answer,
// standing for a remote host: polling is waiting, which more processes
// share.
const benchFeedLatency = 20 * time.Millisecond

// BenchmarkPollDueProcesses: 2 000 subscribed feeds are due at once and N
// processes (each its own Store and pool on one PostgreSQL database, its
// own Poller with the default 8 workers) poll them; one op is the time
// until every feed was polled, and polled once. Issue 13 asks for the
// figure with three processes against one. Skips without
// SECBRIEF_TEST_POSTGRES.
func BenchmarkPollDueProcesses(b *testing.B) {
	const feeds = 2000
	for _, procs := range []int{1, 3} {
		b.Run(fmt.Sprintf("processes=%d", procs), func(b *testing.B) {
			dsn := pgtest.New(b)
			var fetches sync.Map // path → *atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n, _ := fetches.LoadOrStore(r.URL.Path, new(atomic.Int64))
				n.(*atomic.Int64).Add(1)
				time.Sleep(benchFeedLatency)
				w.Header().Set("Content-Type", "application/rss+xml")
				fmt.Fprintf(w, `<rss version="2.0"><channel><title>%s</title><item><guid>%s-1</guid><title>Story</title><link>https://example.com%s</link></item></channel></rss>`,
					r.URL.Path, r.URL.Path, r.URL.Path)
			}))
			defer srv.Close()

			ctx := context.Background()
			now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
			var clock atomic.Pointer[time.Time]
			clock.Store(&now)
			nowFn := func() time.Time { return *clock.Load() }
			urls := make([]string, feeds)
			for i := range urls {
				urls[i] = fmt.Sprintf("%s/feed/%d", srv.URL, i)
			}
			pollers := make([]*Poller, procs)
			for i := range pollers {
				st, err := storage.OpenPostgres(ctx, dsn, nil, storage.WithClock(nowFn), storage.WithOwner(fmt.Sprintf("p%d", i)))
				if err != nil {
					b.Fatal(err)
				}
				defer st.Close()
				if i == 0 {
					if _, err := st.SeedGuild(ctx, "g", urls); err != nil {
						b.Fatal(err)
					}
				}
				transport := &http.Transport{MaxIdleConnsPerHost: 16}
				defer transport.CloseIdleConnections()
				pollers[i] = New(&http.Client{Transport: transport}, st, Options{Now: nowFn}, nil)
			}

			b.ResetTimer()
			for round := 0; b.Loop(); round++ {
				// Every feed is due again a poll interval later.
				t := now.Add(time.Duration(round) * 2 * DefaultPollInterval)
				clock.Store(&t)
				var wg sync.WaitGroup
				var polled atomic.Int64
				for _, p := range pollers {
					wg.Go(func() {
						res, err := p.PollDue(ctx)
						if err != nil {
							b.Error(err)
						}
						polled.Add(int64(res.Polled))
					})
				}
				wg.Wait()
				if n := polled.Load(); n != feeds {
					b.Fatalf("round %d: %d polls, want %d (each feed once)", round, n, feeds)
				}
			}
			b.StopTimer()
			twice := 0
			fetches.Range(func(_, v any) bool {
				if v.(*atomic.Int64).Load() > int64(b.N) {
					twice++
				}
				return true
			})
			if twice > 0 {
				b.Fatalf("%d feeds fetched more than once a round", twice)
			}
		})
	}
}
