package feeds

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestStaleSnapshotIsNotPolledAgain: the loop lists a feed as due, and
// before its worker gets to it a digest's poll fetches the feed and
// disables it. The loop must not fetch the feed again with its stale
// state, which would also announce the disabled feed a second time.
func TestStaleSnapshotIsNotPolledAgain(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer srv.Close()
	ctx := context.Background()
	clock := &fakeClock{t: pollT0}
	store := newMemStore()
	store.states[srv.URL] = dueState(srv.URL, 2, pollT0.Add(-time.Hour))
	var mu sync.Mutex
	notices := 0
	p, _ := testPoller(t, store, clock, Options{MaxFailures: 3, OnDisabled: func(context.Context, string, error) {
		mu.Lock()
		notices++
		mu.Unlock()
	}})
	store.onClaim = func() {
		store.onClaim = nil
		// A digest's poll gets there first, between ClaimDueFeeds and the worker.
		if res, _ := p.PollFeeds(ctx, []string{srv.URL}); res.Disabled != 1 {
			t.Errorf("digest poll = %+v, want the feed disabled", res)
		}
	}
	res, err := p.PollDue(ctx)
	if err != nil || res.Polled != 0 {
		t.Errorf("loop poll = %+v, %v; want the stale feed skipped", res, err)
	}
	st := store.state(srv.URL)
	mu.Lock()
	defer mu.Unlock()
	if hits.Load() != 1 || notices != 1 || st.Failures != 3 || !st.Disabled() {
		t.Errorf("%d fetches, %d notices, state %+v; want 1 fetch, 1 notice, disabled at 3 failures", hits.Load(), notices, st)
	}
	if h := store.holder(srv.URL); h != "" {
		t.Errorf("skipped feed still held by %s", h)
	}
}

// TestPollFeedsSkipsFreshFeeds: digests of many guilds at one minute share
// a fetch of a common feed; a feed polled longer ago than Fresh is fetched.
func TestPollFeedsSkipsFreshFeeds(t *testing.T) {
	body := readCorpus(t, "darkreading-2026-07-03.xml")
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(body)
	}))
	defer srv.Close()
	ctx := context.Background()
	clock := &fakeClock{t: pollT0}
	p, _ := testPoller(t, newMemStore(srv.URL), clock, Options{Fresh: time.Minute})
	steps := []struct {
		name    string
		advance time.Duration
		hits    int32
	}{
		{"first digest", 0, 1},
		{"second guild, same minute", 30 * time.Second, 1},
		{"a minute later", 31 * time.Second, 2},
	}
	for _, s := range steps {
		clock.Set(clock.Now().Add(s.advance))
		if _, err := p.PollFeeds(ctx, []string{srv.URL}); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if hits.Load() != s.hits {
			t.Errorf("%s: %d fetches, want %d", s.name, hits.Load(), s.hits)
		}
	}
}
