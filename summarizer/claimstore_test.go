package summarizer

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakeclock"
	"github.com/secbrief/secbrief/internal/fakellm"
	"github.com/secbrief/secbrief/news"
)

// claimStore is a fake of the database processes share: a memCache and
// claims with leases, on a clock of its own that the test moves. It
// mirrors storage's claims (storage/claims.go): a claim is got when free,
// lapsed or already held by the same owner (then renewed).
type claimStore struct {
	*memCache

	mu       sync.Mutex
	now      time.Time
	lease    time.Duration
	claims   map[string]fakeClaim
	calls    map[string]int // "owner op" → count
	claimErr error          // when set, every Claim fails with it
}

type fakeClaim struct {
	owner string
	until time.Time
}

func newClaimStore() *claimStore {
	return &claimStore{
		memCache: newMemCache(),
		now:      testDay,
		lease:    2 * time.Minute,
		claims:   map[string]fakeClaim{},
		calls:    map[string]int{},
	}
}

// process is one process's view of the store: its Cache and Claims.
func (c *claimStore) process(owner string) *claimView { return &claimView{claimStore: c, owner: owner} }

// advance moves the store's clock (what leases are measured against).
func (c *claimStore) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// plant makes owner hold key for one lease from now, as a process that is
// not under test would.
func (c *claimStore) plant(key, owner string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.claims[key] = fakeClaim{owner: owner, until: c.now.Add(c.lease)}
}

// holder returns who holds a live claim on key ("" for nobody).
func (c *claimStore) holder(key string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.claims[key]; ok && cl.until.After(c.now) {
		return cl.owner
	}
	return ""
}

// count is how many times owner called op (Claim, Release, ClaimHeld).
func (c *claimStore) count(owner, op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[owner+" "+op]
}

// total is how many claim operations anyone made.
func (c *claimStore) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.calls {
		n += v
	}
	return n
}

type claimView struct {
	*claimStore
	owner string
}

var (
	_ Cache  = (*claimView)(nil)
	_ Claims = (*claimView)(nil)
)

func (v *claimView) Claim(ctx context.Context, key string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.calls[v.owner+" Claim"]++
	if v.claimErr != nil {
		return false, v.claimErr
	}
	if cl, ok := v.claims[key]; ok && cl.owner != v.owner && cl.until.After(v.now) {
		return false, nil
	}
	v.claims[key] = fakeClaim{owner: v.owner, until: v.now.Add(v.lease)}
	return true, nil
}

func (v *claimView) Release(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.calls[v.owner+" Release"]++
	if cl, ok := v.claims[key]; ok && cl.owner == v.owner {
		delete(v.claims, key)
	}
	return nil
}

func (v *claimView) ClaimHeld(ctx context.Context, key string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.calls[v.owner+" ClaimHeld"]++
	cl, ok := v.claims[key]
	return ok && cl.until.After(v.now), nil
}

// twoProcesses is two Summarizers (processes "a" and "b") sharing one
// store and one LLM server, pausing on one fake clock.
type twoProcesses struct {
	a, b  *Summarizer
	store *claimStore
	llm   *fakellm.Server
	clock *fakeclock.Clock
}

func newTwoProcesses(t *testing.T, opts Options) *twoProcesses {
	t.Helper()
	p := &twoProcesses{store: newClaimStore(), llm: fakellm.New(t), clock: fakeclock.New(testDay)}
	p.a = newProcess(t, p.llm, p.store.process("a"), p.clock, opts)
	p.b = newProcess(t, p.llm, p.store.process("b"), p.clock, opts)
	return p
}

// newProcess is one Summarizer on cache, pausing (retries and waits for
// another process's summary) on clock.
func newProcess(t *testing.T, llm *fakellm.Server, cache Cache, clock *fakeclock.Clock, opts Options) *Summarizer {
	t.Helper()
	if opts.Model == "" {
		opts.Model = "test-model"
	}
	if opts.Sleep == nil {
		opts.Sleep = clock.Sleep
	}
	opts.Now = func() time.Time { return testDay }
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second // a failure guard, never reached when passing
	}
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s := New(NewClient(llm.URL(), "sk-test", nil), cache, opts, logger)
	t.Cleanup(s.Wait)
	return s
}

// claimOf is the claim key Summarize takes for a.
func claimOf(s *Summarizer, a news.Article) string { return claimPrefix + s.Key(a) }

// waitPaused waits until n pauses are pending on clock, failing the test
// after 30 s (a failure guard, never reached when passing).
func waitPaused(t *testing.T, clock *fakeclock.Clock, n int, what string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := clock.WaitPending(ctx, n); err != nil {
		t.Fatalf("%s: %d pauses pending, want %d: %v", what, len(clock.Pending()), n, err)
	}
}

// settle moves clock past every pending pause, again and again, until n
// results have arrived on done, and returns them in arrival order.
func settle(t *testing.T, clock *fakeclock.Clock, n int, done <-chan outcome) []outcome {
	t.Helper()
	guard := time.After(30 * time.Second) // a failure guard, never reached when passing
	var outs []outcome
	for len(outs) < n {
		ctx, cancel := context.WithCancel(t.Context())
		paused := make(chan error, 1)
		go func() { paused <- clock.WaitPending(ctx, 1) }()
		select {
		case o := <-done:
			outs = append(outs, o)
		case err := <-paused:
			if err == nil {
				clock.Advance(claimPollMax)
			}
		case <-guard:
			cancel()
			t.Fatalf("%d of %d results", len(outs), n)
		}
		cancel()
	}
	return outs
}

// madeAndWaited splits two results, both without error, into the one made
// (not cached) and the one that waited for it (from the cache).
func madeAndWaited(t *testing.T, outs []outcome) (made, waited outcome) {
	t.Helper()
	if len(outs) != 2 || outs[0].err != nil || outs[1].err != nil || outs[0].sum.Cached == outs[1].sum.Cached {
		t.Fatalf("want one summary made and one from the cache: %s", describeOutcomes(outs))
	}
	if outs[0].sum.Cached {
		return outs[1], outs[0]
	}
	return outs[0], outs[1]
}

// describeOutcomes is for failure messages.
func describeOutcomes(outs []outcome) string {
	s := ""
	for i, o := range outs {
		s += fmt.Sprintf("[%d] cached=%v title=%q err=%v ", i, o.sum.Cached, o.sum.Title, o.err)
	}
	return s
}
