package feeds

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

// memStore is an in-memory Store for poller tests: one process's view
// (owner) of a database (memDB) that withOwner shares with another.
type memStore struct {
	*memDB
	owner string
}

// memDB is the state memStores share. Every feed is subscribed.
type memDB struct {
	mu     sync.Mutex
	states map[string]news.FeedState
	leases map[string]memLease
	items  map[string]map[string]news.Item
	// prunes records the cutoff of each PruneItems call.
	prunes []time.Time
	// onClaim and onAdd, when set, are called after ClaimDueFeeds and
	// AddNewItems.
	onClaim func()
	onAdd   func(feedURL string)
	// addErr, when set, is what AddNewItems fails with.
	addErr error
}

// memLease is who holds a feed until when.
type memLease struct {
	owner string
	until time.Time
}

// memLeaseTime is the fake store's lease, as storage's default.
const memLeaseTime = 2 * time.Minute

var _ Store = (*memStore)(nil)

func newMemStore(urls ...string) *memStore {
	s := &memStore{owner: "a", memDB: &memDB{states: map[string]news.FeedState{},
		leases: map[string]memLease{}, items: map[string]map[string]news.Item{}}}
	for _, u := range urls {
		s.states[u] = news.FeedState{URL: u}
	}
	return s
}

// withOwner is the store as another process sharing it sees it.
func (s *memStore) withOwner(owner string) *memStore {
	return &memStore{memDB: s.memDB, owner: owner}
}

// mayClaim reports whether owner may claim u at now; the caller holds mu.
func (d *memDB) mayClaim(u, owner string, now time.Time) bool {
	l, ok := d.leases[u]
	return !ok || l.owner == owner || !l.until.After(now)
}

func (s *memStore) ClaimDueFeeds(_ context.Context, now time.Time, limit int) ([]news.FeedState, error) {
	s.mu.Lock()
	var due []news.FeedState
	for _, st := range s.states {
		if l, held := s.leases[st.URL]; held && l.until.After(now) {
			continue // held, by another process or by this one
		}
		if !st.Disabled() && !st.NextPollAt.After(now) {
			due = append(due, st)
		}
	}
	// storage's order: never polled first, then the longest overdue.
	slices.SortFunc(due, func(a, b news.FeedState) int {
		return cmp.Or(cmp.Compare(boolInt(!a.NextPollAt.IsZero()), boolInt(!b.NextPollAt.IsZero())),
			a.NextPollAt.Compare(b.NextPollAt), cmp.Compare(a.URL, b.URL))
	})
	if limit > 0 && len(due) > limit {
		due = due[:limit]
	}
	for _, st := range due {
		s.leases[st.URL] = memLease{owner: s.owner, until: now.Add(memLeaseTime)}
	}
	onClaim := s.onClaim
	s.mu.Unlock()
	if onClaim != nil {
		onClaim()
	}
	return due, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *memStore) ClaimFeed(_ context.Context, u string, now time.Time) (news.FeedState, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.states[u]
	if !ok {
		st = news.FeedState{URL: u}
		s.states[u] = st
	}
	if !s.mayClaim(u, s.owner, now) {
		return st, false, nil
	}
	s.leases[u] = memLease{owner: s.owner, until: now.Add(memLeaseTime)}
	return st, true, nil
}

func (s *memStore) ReleaseFeed(_ context.Context, u string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.release(u)
	return nil
}

// release drops the owner's lease on u; the caller holds mu.
func (s *memStore) release(u string) {
	if l, ok := s.leases[u]; ok && l.owner == s.owner {
		delete(s.leases, u)
	}
}

// holder is who holds u, whatever the time ("" for nobody).
func (s *memStore) holder(u string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.leases[u].owner
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
	s.release(st.URL)
	return nil
}

// AddNewItems keeps items under u and returns those it had not, with
// FeedURL set to u as storage's AddNewItems does (the poller relies on it).
func (s *memStore) AddNewItems(_ context.Context, u string, items []news.Item) ([]news.Item, error) {
	s.mu.Lock()
	if s.addErr != nil {
		defer s.mu.Unlock()
		return nil, s.addErr
	}
	m := s.items[u]
	if m == nil {
		m = map[string]news.Item{}
		s.items[u] = m
	}
	var fresh []news.Item
	for _, it := range items {
		if _, ok := m[it.ID]; !ok {
			it.FeedURL = u
			fresh = append(fresh, it)
		}
		m[it.ID] = it
	}
	onAdd := s.onAdd
	s.mu.Unlock()
	if onAdd != nil {
		onAdd(u)
	}
	return fresh, nil
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
