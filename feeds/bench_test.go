package feeds

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

// BenchmarkPoll304 polls 200 feeds that all answer 304 Not Modified: one op
// is one PollDue round. The bar is well under 2 s per op on one core.
func BenchmarkPoll304(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"same"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		http.Error(w, "expected a conditional GET", http.StatusBadRequest)
	}))
	defer srv.Close()
	store := newMemStore()
	for i := range 200 {
		u := fmt.Sprintf("%s/feed/%d", srv.URL, i)
		store.states[u] = news.FeedState{URL: u, ETag: `"same"`}
	}
	clock := &fakeClock{t: pollT0}
	p, parses := testPoller(b, store, clock, Options{})
	// One test server stands for 200 hosts: keep a connection per worker.
	transport := &http.Transport{MaxIdleConnsPerHost: 16}
	defer transport.CloseIdleConnections()
	p.client = &http.Client{Transport: transport}
	ctx := context.Background()
	b.ReportAllocs()
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		clock.Set(pollT0.Add(time.Duration(i) * time.Hour))
		res, err := p.PollDue(ctx)
		if err != nil || res.NotModified != 200 {
			b.Fatalf("round %d: %+v, %v; want 200 not modified", i, res, err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/op")
	if *parses != 0 {
		b.Fatalf("%d parses on 304s", *parses)
	}
}
