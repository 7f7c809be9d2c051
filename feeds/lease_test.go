package feeds

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

// tinyFeed is an RSS document of one item, unique to path.
func tinyFeed(path string) []byte {
	return fmt.Appendf(nil, `<?xml version="1.0"?><rss version="2.0"><channel><title>Feed %s</title>`+
		`<item><title>Story of %s</title><link>https://news.example%s/1</link><description>text</description></item>`+
		`</channel></rss>`, path, path, path)
}

// feedServer serves tinyFeed at every path and counts the requests per
// path and per User-Agent (which names the poller's process in tests).
type feedServer struct {
	*httptest.Server
	mu      sync.Mutex
	hits    map[string]int
	byAgent map[string]int
	// onRequest, when set, is called with each request before it is
	// answered.
	onRequest func(r *http.Request)
}

func newFeedServer(t *testing.T) *feedServer {
	fs := &feedServer{hits: map[string]int{}, byAgent: map[string]int{}}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		fs.hits[r.URL.Path]++
		fs.byAgent[r.UserAgent()]++
		onRequest := fs.onRequest
		fs.mu.Unlock()
		if onRequest != nil {
			onRequest(r)
		}
		w.Write(tinyFeed(r.URL.Path))
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *feedServer) hitsOf(path string) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.hits[path]
}

func (fs *feedServer) agents() map[string]int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return maps.Clone(fs.byAgent)
}

// TestTwoPollersPollEachDueFeedOnce: two processes on one store, polling
// the due feeds at once, fetch every feed exactly once between them, and
// both take part.
func TestTwoPollersPollEachDueFeedOnce(t *testing.T) {
	const n = 40
	srv := newFeedServer(t)
	var urls []string
	for i := range n {
		urls = append(urls, fmt.Sprintf("%s/feed/%02d", srv.URL, i))
	}
	a := newMemStore(urls...)
	b := a.withOwner("b")
	// Each process's first fetch waits for the other's, so the two rounds
	// overlap for sure.
	started := map[string]chan struct{}{"a": make(chan struct{}), "b": make(chan struct{})}
	var once sync.Map
	srv.onRequest = func(r *http.Request) {
		me, other := r.UserAgent(), "a"
		if me == "a" {
			other = "b"
		}
		if _, done := once.LoadOrStore(me, true); done {
			return
		}
		close(started[me])
		select {
		case <-started[other]:
		case <-time.After(guard):
			t.Errorf("process %s polled alone", me)
		}
	}
	clock := &fakeClock{t: pollT0}
	pa, _ := testPoller(t, a, clock, Options{Workers: 3, UserAgent: "a"})
	pb, _ := testPoller(t, b, clock, Options{Workers: 3, UserAgent: "b"})

	results := make([]news.PollResult, 2)
	var wg sync.WaitGroup
	for i, p := range []*Poller{pa, pb} {
		wg.Go(func() {
			res, err := p.PollDue(context.Background())
			if err != nil {
				t.Errorf("PollDue: %v", err)
			}
			results[i] = res
		})
	}
	wg.Wait()

	for _, u := range urls {
		path := u[len(srv.URL):]
		if got := srv.hitsOf(path); got != 1 {
			t.Errorf("%s fetched %d times, want once", path, got)
		}
		if h := a.holder(u); h != "" {
			t.Errorf("%s still held by %s after its poll", path, h)
		}
	}
	if polled := results[0].Polled + results[1].Polled; polled != n || results[0].NewItems+results[1].NewItems != n {
		t.Errorf("results %+v and %+v; want %d feeds polled between them, one new item each", results[0], results[1], n)
	}
	agents := srv.agents()
	if agents["a"] == 0 || agents["b"] == 0 {
		t.Errorf("fetches per process %v; want both to take part", agents)
	}

	// The same minute again: nothing is due for either process.
	for _, p := range []*Poller{pa, pb} {
		if res, err := p.PollDue(context.Background()); err != nil || res.Polled != 0 {
			t.Errorf("second round = %+v, %v; want nothing due", res, err)
		}
	}
}

// TestPollDueTakesOverLapsedClaims: feeds claimed by a process that died
// are nobody else's until the claims lapse, then any process polls them.
func TestPollDueTakesOverLapsedClaims(t *testing.T) {
	srv := newFeedServer(t)
	urls := []string{srv.URL + "/one", srv.URL + "/two"}
	a := newMemStore(urls...)
	clock := &fakeClock{t: pollT0}
	if got, _ := a.withOwner("dead").ClaimDueFeeds(context.Background(), pollT0, 0); len(got) != 2 {
		t.Fatalf("the dead process claimed %d feeds, want 2", len(got))
	}
	p, _ := testPoller(t, a, clock, Options{})
	steps := []struct {
		name   string
		at     time.Time
		polled int
	}{
		{"while the claims are live", pollT0.Add(memLeaseTime - time.Second), 0},
		{"once they lapsed", pollT0.Add(memLeaseTime), 2},
	}
	for _, s := range steps {
		clock.Set(s.at)
		if res, err := p.PollDue(context.Background()); err != nil || res.Polled != s.polled {
			t.Errorf("%s: PollDue = %+v, %v; want %d polled", s.name, res, err, s.polled)
		}
	}
	if one, two := srv.hitsOf("/one"), srv.hitsOf("/two"); one != 1 || two != 1 {
		t.Errorf("fetched %d and %d times; want each feed once", one, two)
	}
}

// TestPollFeedsSkipsFeedHeldElsewhere: a digest's poll leaves alone a feed
// another process is polling, and polls it once that claim lapsed.
func TestPollFeedsSkipsFeedHeldElsewhere(t *testing.T) {
	srv := newFeedServer(t)
	held, free := srv.URL+"/held", srv.URL+"/free"
	a := newMemStore(held, free)
	if _, ok, _ := a.withOwner("b").ClaimFeed(context.Background(), held, pollT0); !ok {
		t.Fatal("b could not claim the feed")
	}
	var told polls
	clock := &fakeClock{t: pollT0}
	p, _ := testPoller(t, a, clock, Options{OnPoll: told.observe})

	res, err := p.PollFeeds(context.Background(), []string{held, free})
	if err != nil || res.Polled != 1 {
		t.Fatalf("PollFeeds = %+v, %v; want the free feed polled", res, err)
	}
	if got := slices.Sorted(slices.Values(told.take())); !slices.Equal(got, []string{"ok", "skipped"}) {
		t.Errorf("told %q; want the held feed skipped", got)
	}
	if srv.hitsOf("/held") != 0 || a.holder(held) != "b" {
		t.Errorf("held feed: %d fetches, holder %q; want none and still b's", srv.hitsOf("/held"), a.holder(held))
	}

	clock.Set(pollT0.Add(memLeaseTime)) // b died
	if res, err := p.PollFeeds(context.Background(), []string{held}); err != nil || res.Polled != 1 {
		t.Errorf("after b's claim lapsed: PollFeeds = %+v, %v; want it polled", res, err)
	}
	if a.holder(held) != "" {
		t.Errorf("held by %q after the poll, want given back", a.holder(held))
	}
}

// TestUnsavedPollGivesFeedBack: a poll that stores no state (its items
// could not be stored) gives its claim back, so the feed is due at once
// for the next round of any process, but this round does not fetch it
// again, nor let it crowd out the other feeds, even with one worker.
func TestUnsavedPollGivesFeedBack(t *testing.T) {
	srv := newFeedServer(t)
	urls := []string{srv.URL + "/a", srv.URL + "/b", srv.URL + "/c"}
	store := newMemStore(urls...)
	store.addErr = errors.New("disk full")
	clock := &fakeClock{t: pollT0}
	p, _ := testPoller(t, store, clock, Options{Workers: 1})

	for round := 1; round <= 2; round++ {
		res, err := p.PollDue(context.Background())
		if err != nil || res.Polled != 3 || res.Failed != 3 {
			t.Errorf("round %d: PollDue = %+v, %v; want 3 polls failing to store", round, res, err)
		}
		for _, u := range urls {
			path := u[len(srv.URL):]
			if got := srv.hitsOf(path); got != round {
				t.Errorf("round %d: %s fetched %d times, want %d", round, path, got, round)
			}
			if h := store.holder(u); h != "" {
				t.Errorf("round %d: %s still held by %s", round, path, h)
			}
			if st := store.state(u); st.Failures != 0 || !st.LastPolledAt.IsZero() {
				t.Errorf("round %d: %s state %+v; want it as it was", round, path, st)
			}
		}
	}
}
