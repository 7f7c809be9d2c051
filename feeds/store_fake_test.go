package feeds

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

// memStore is an in-memory Store for poller tests.
type memStore struct {
	mu     sync.Mutex
	states map[string]news.FeedState
	items  map[string]map[string]news.Item
	dueN   int
	// prunes records the cutoff of each PruneItems call.
	prunes []time.Time
	// onDue and onAdd, when set, are called after DueFeeds and AddItems.
	onDue func()
	onAdd func(feedURL string)
}

var _ Store = (*memStore)(nil)

func newMemStore(urls ...string) *memStore {
	s := &memStore{states: map[string]news.FeedState{}, items: map[string]map[string]news.Item{}}
	for _, u := range urls {
		s.states[u] = news.FeedState{URL: u}
	}
	return s
}

func (s *memStore) DueFeeds(_ context.Context, now time.Time) ([]news.FeedState, error) {
	s.mu.Lock()
	var due []news.FeedState
	for _, st := range s.states {
		if !st.Disabled() && !st.NextPollAt.After(now) {
			due = append(due, st)
		}
	}
	s.dueN++
	onDue := s.onDue
	s.mu.Unlock()
	slices.SortFunc(due, func(a, b news.FeedState) int { return cmpString(a.URL, b.URL) })
	if onDue != nil {
		onDue()
	}
	return due, nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (s *memStore) FeedState(_ context.Context, u string) (news.FeedState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.states[u]
	if !ok {
		return news.FeedState{URL: u}, nil
	}
	return st, nil
}

func (s *memStore) SaveFeedState(_ context.Context, st news.FeedState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.states[st.URL] = st
	return nil
}

func (s *memStore) AddItems(_ context.Context, u string, items []news.Item) (int, error) {
	s.mu.Lock()
	m := s.items[u]
	if m == nil {
		m = map[string]news.Item{}
		s.items[u] = m
	}
	n := 0
	for _, it := range items {
		if _, ok := m[it.ID]; !ok {
			n++
		}
		m[it.ID] = it
	}
	onAdd := s.onAdd
	s.mu.Unlock()
	if onAdd != nil {
		onAdd(u)
	}
	return n, nil
}

func (s *memStore) PruneItems(_ context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prunes = append(s.prunes, before)
	return 0, nil
}

func (s *memStore) pruneCalls() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.prunes)
}

func (s *memStore) state(u string) news.FeedState {
	st, _ := s.FeedState(context.Background(), u)
	return st
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

var pollT0 = time.Date(2025, 7, 24, 12, 0, 0, 0, time.UTC)

// testPoller builds a Poller on a fake clock with no jitter and counts parses.
func testPoller(t testing.TB, store Store, clock *fakeClock, opts Options) (*Poller, *int) {
	t.Helper()
	opts.Now = clock.Now
	if opts.Jitter == nil {
		opts.Jitter = func(time.Duration) time.Duration { return 0 }
	}
	p := New(&http.Client{Timeout: 20 * time.Second}, store, opts, nil)
	var mu sync.Mutex
	parses := new(int)
	p.parse = func(body []byte, u string) (news.Feed, []news.Item, error) {
		mu.Lock()
		*parses++
		mu.Unlock()
		return Parse(body, u)
	}
	return p, parses
}

// dueState is a stored state of a feed with failures, last polled
// and due at polled.
func dueState(u string, failures int, polled time.Time) news.FeedState {
	return news.FeedState{URL: u, Failures: failures, LastPolledAt: polled, NextPollAt: polled}
}
