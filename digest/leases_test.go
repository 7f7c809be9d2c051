package digest

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakeclock"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/storage"
)

// testLease is storage.lease in these tests.
const testLease = 2 * time.Minute

// process is one secbrief process of a test: its own Store (lease owner)
// on the env's database, its own LLM and poller, and its runner; Discord
// (the env's poster) is shared, as it is in production.
type process struct {
	store  *storage.Store
	sum    *fakeSummarizer
	poll   *gatePoller
	runner *Runner
	logs   *bytes.Buffer
}

// process opens a process named owner on e's database, on clock.
func (e *env) process(t *testing.T, owner string, clock *fakeclock.Clock, cfg Config) *process {
	t.Helper()
	st, err := storage.Open(context.Background(), e.path, nil, storage.WithClock(clock.Now),
		storage.WithOwner(owner), storage.WithLease(testLease))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p := &process{store: st, sum: newFakeSummarizer(), poll: &gatePoller{}}
	var log *slog.Logger
	log, p.logs = logBuffer()
	cfg.Store, cfg.Summarizer, cfg.Poster, cfg.Poller = st, p.sum, e.post, p.poll
	cfg.Now, cfg.Lease, cfg.Logger, cfg.Shared = clock.Now, testLease, log, true
	if cfg.Sleep == nil {
		cfg.Sleep = clock.Sleep
	}
	p.runner = NewRunner(cfg)
	return p
}

// gatePoller counts polls; when gated, a poll signals entered and waits
// for release (the process is busy preparing its digest).
type gatePoller struct {
	mu      sync.Mutex
	polls   int
	entered chan struct{}
	release chan struct{}
}

func (p *gatePoller) gate() {
	p.entered, p.release = make(chan struct{}), make(chan struct{})
}

func (p *gatePoller) PollFeeds(ctx context.Context, urls []string) (news.PollResult, error) {
	p.mu.Lock()
	p.polls++
	p.mu.Unlock()
	if p.entered != nil {
		close(p.entered)
		select {
		case <-p.release:
		case <-ctx.Done():
			return news.PollResult{}, ctx.Err()
		}
	}
	return news.PollResult{Polled: len(urls)}, nil
}

func (p *gatePoller) Polls() int { p.mu.Lock(); defer p.mu.Unlock(); return p.polls }

// drive advances clock to each next timer until done is closed.
func drive(clock *fakeclock.Clock, done <-chan struct{}) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-done
		cancel()
	}()
	for ctx.Err() == nil {
		_, _ = clock.AdvanceToNext(ctx)
	}
}

// never is a Sleep that waits until ctx ends: no lease is renewed in the
// background, so a test sees what the parts alone renew.
func never(ctx context.Context, _ time.Duration) error {
	<-ctx.Done()
	return ctx.Err()
}

var target = news.DigestTarget{GuildID: guild, ChannelID: channel}

// TestTwoProcessesOneSlot: two processes sharing a store run the same
// due slot; the one that claims it first posts it, the other skips it
// without polling or calling the LLM, waits while the first works, and
// stops waiting once the first released the slot.
func TestTwoProcessesOneSlot(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 3, distinct)
	clock := fakeclock.New(t0)
	a := e.process(t, "a", clock, Config{})
	b := e.process(t, "b", clock, Config{})
	ctx := context.Background()
	slot := t0.Add(-time.Minute)

	a.poll.gate()
	aDone := make(chan error, 1)
	go func() {
		_, err := a.runner.Scheduled(ctx, target, slot)
		aDone <- err
	}()
	<-a.poll.entered // a holds the slot and is preparing it

	if _, err := b.runner.Scheduled(ctx, target, slot); !errors.Is(err, ErrClaimed) {
		t.Fatalf("b while a prepares the slot: %v, want ErrClaimed", err)
	}
	bDone := make(chan struct{})
	go func() {
		defer close(bDone)
		b.runner.RunScheduled(ctx, target, slot) // as b's scheduler runs it
	}()
	// b waits half a lease; a's slot claim renewal waits a third of one.
	if err := clock.WaitPending(ctx, 2); err != nil {
		t.Fatal(err)
	}
	close(a.poll.release)
	if err := <-aDone; err != nil {
		t.Fatalf("a: %v", err)
	}
	drive(clock, bDone)

	if got := e.post.Posted(); got != 4 {
		t.Fatalf("messages on Discord: %d, want 4 (one digest of 3 stories)", got)
	}
	if a.sum.Calls() != 3 || a.poll.Polls() != 1 {
		t.Errorf("a: %d LLM calls, %d polls; want 3 and 1", a.sum.Calls(), a.poll.Polls())
	}
	if b.sum.Calls() != 0 || b.poll.Polls() != 0 {
		t.Errorf("b: %d LLM calls, %d polls; want none", b.sum.Calls(), b.poll.Polls())
	}
	if logs := b.logs.String(); !strings.Contains(logs, "scheduled digest skipped") || strings.Contains(logs, "level=ERROR") {
		t.Errorf("b's log does not say it skipped the slot:\n%s", logs)
	}
	// Later, the slot is simply done.
	if _, err := b.runner.Scheduled(ctx, target, slot); !errors.Is(err, ErrAlreadyRun) {
		t.Fatalf("b after a posted the slot: %v, want ErrAlreadyRun", err)
	}
	if b.sum.Calls() != 0 || b.poll.Polls() != 0 || e.post.Posted() != 4 {
		t.Errorf("b polled, summarized or posted a slot already run")
	}
}

// TestSlotOfDeadProcessTakenOver: a process claimed a slot and died
// before recording its digest; another one, waiting, prepares and posts
// it once the claim's lease lapsed, and not before.
func TestSlotOfDeadProcessTakenOver(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 2, distinct)
	clock := fakeclock.New(t0)
	dead := e.process(t, "dead", clock, Config{})
	b := e.process(t, "b", clock, Config{})
	ctx := context.Background()
	slot := t0.Add(-time.Minute)
	if ok, err := dead.store.Claim(ctx, slotKey(channel, slot.UTC().Format(time.RFC3339))); err != nil || !ok {
		t.Fatalf("dead's claim: %v, %v", ok, err)
	}

	bDone := make(chan struct{})
	go func() {
		defer close(bDone)
		b.runner.RunScheduled(ctx, target, slot)
	}()
	if err := clock.WaitPending(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(testLease / 2) // half a lease: the claim is still live
	if err := clock.WaitPending(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if b.poll.Polls() != 0 || e.post.Posted() != 0 {
		t.Fatalf("b started the slot while the dead process's lease was live")
	}
	drive(clock, bDone)

	if got := e.post.Posted(); got != 3 {
		t.Fatalf("messages on Discord: %d, want 3 (the slot's digest, once)", got)
	}
	if b.sum.Calls() != 2 || b.poll.Polls() != 1 {
		t.Errorf("b: %d LLM calls, %d polls; want 2 and 1", b.sum.Calls(), b.poll.Polls())
	}
	if !strings.Contains(b.logs.String(), "taken over") {
		t.Errorf("b's log does not say it took the slot over:\n%s", b.logs.String())
	}
	if _, err := b.runner.Scheduled(ctx, target, slot); !errors.Is(err, ErrAlreadyRun) {
		t.Fatalf("slot after the takeover: %v, want ErrAlreadyRun", err)
	}
}

// TestDigestOfDeadProcessResumedAfterLease: a process is killed in the
// middle of posting a digest. Another process does not touch the digest
// while the lease is live (not at start-up, not on its ticks, not for
// /digest now), and takes it over once the lease lapsed: every part is on
// Discord once, none recreated but the one whose record was lost (its
// nonce makes Discord answer with the first message).
func TestDigestOfDeadProcessResumedAfterLease(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 4, distinct) // parts 0 (header) to 4
	clock := fakeclock.New(t0)
	a := e.process(t, "a", clock, Config{})
	b := e.process(t, "b", clock, Config{})
	ctx := context.Background()

	aCtx, kill := context.WithCancel(ctx)
	e.post.crashAt, e.post.onCrash = 2, kill // part 2 is on Discord, its record is not
	if _, err := a.runner.Now(aCtx, target); !errors.Is(err, errCrash) {
		t.Fatalf("a: %v, want the crash", err)
	}
	un, err := b.store.UnfinishedDigests(ctx, channel)
	if err != nil || len(un) != 1 || un[0].Attempts != 0 {
		t.Fatalf("unfinished = %+v, %v; want one digest, no failed attempt (a kill is no failure)", un, err)
	}
	key := digestKey(un[0].ID)

	if err := b.runner.Resume(ctx); err != nil {
		t.Fatalf("b's start-up resume: %v", err)
	}
	if _, err := b.runner.Now(ctx, target); !errors.Is(err, ErrBusy) {
		t.Fatalf("b's /digest now while a's lease is live: %v, want ErrBusy", err)
	}
	clock.Advance(testLease - time.Second)
	if err := b.runner.TakeOver(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.post.Calls(key); got != 1 {
		t.Fatalf("digest posted %d times before a's lease lapsed, want 1 (a's)", got)
	}

	clock.Advance(2 * time.Second)
	if err := b.runner.TakeOver(ctx); err != nil {
		t.Fatalf("b's takeover: %v", err)
	}
	if got := e.post.Posted(); got != 5 {
		t.Fatalf("messages on Discord: %d, want 5 (no part lost or doubled)", got)
	}
	for part, want := range []int{1, 1, 2, 1, 1} {
		if got := e.post.Creates(key, part); got != want {
			t.Errorf("part %d created %d times, want %d", part, got, want)
		}
	}
	if got := len(e.unseen(t)); got != 0 {
		t.Fatalf("%d items unseen after the digest was taken over, want 0", got)
	}
	if un, err := b.store.UnfinishedDigests(ctx, channel); err != nil || len(un) != 0 {
		t.Fatalf("unfinished after the takeover: %d, %v", len(un), err)
	}
	if err := b.runner.TakeOver(ctx); err != nil || e.post.Calls(key) != 2 {
		t.Fatalf("second takeover: %v, %d posts of the digest; want none more", err, e.post.Calls(key))
	}
	if a.sum.Calls() != 4 || b.sum.Calls() != 0 {
		t.Errorf("LLM calls a %d, b %d; want 4 and 0 (a takeover summarizes nothing)", a.sum.Calls(), b.sum.Calls())
	}
}

// TestSlowPostKeepsItsLease: a process that posts slowly, part after
// part, renews its lease with each one, so another process never takes
// the digest over although the whole post outlasts the lease.
func TestSlowPostKeepsItsLease(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 4, distinct)
	clock := fakeclock.New(t0)
	a := e.process(t, "a", clock, Config{Sleep: never})
	b := e.process(t, "b", clock, Config{})
	ctx := context.Background()
	e.post.afterPart = func(int) {
		clock.Advance(testLease - 10*time.Second)
		if err := b.runner.TakeOver(ctx); err != nil {
			t.Error(err)
		}
	}
	res, err := a.runner.Now(ctx, target)
	if err != nil {
		t.Fatalf("a: %v", err)
	}
	if got := e.post.Calls(digestKey(res.DigestID)); got != 1 {
		t.Fatalf("digest posted %d times, want 1: b took over a live process's digest", got)
	}
	if got := e.post.Posted(); got != 5 {
		t.Fatalf("messages: %d, want 5", got)
	}
}

// TestHungPostOvertaken: a process hangs longer than its lease between two
// parts; another takes the digest over and finishes it, and the first,
// coming back, stops at its next part (ErrBusy) instead of posting on:
// each part is on Discord once.
func TestHungPostOvertaken(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 4, distinct)
	clock := fakeclock.New(t0)
	a := e.process(t, "a", clock, Config{Sleep: never})
	b := e.process(t, "b", clock, Config{})
	ctx := context.Background()
	e.post.afterPart = func(i int) {
		if i != 1 {
			return
		}
		e.post.afterPart = nil // b's own post goes straight through
		clock.Advance(testLease + time.Second)
		if err := b.runner.TakeOver(ctx); err != nil {
			t.Errorf("b's takeover: %v", err)
		}
	}
	_, err := a.runner.Now(ctx, target)
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("a after b took its digest over: %v, want ErrBusy", err)
	}
	if got := e.post.Posted(); got != 5 {
		t.Fatalf("messages: %d, want 5 (each part once)", got)
	}
	un, err := a.store.UnfinishedDigests(ctx, channel)
	if err != nil || len(un) != 0 {
		t.Fatalf("unfinished: %d, %v; want the digest posted by b", len(un), err)
	}
	if e.post.threads != 1 {
		t.Errorf("threads: %d, want 1", e.post.threads)
	}
}

// TestFailedPostRetriedByAnyProcess: a post that fails (a counted
// attempt, not a kill) gives its lease up, so another process sharing the
// store retries the digest at once, without waiting for the lease to
// lapse: at its start-up Resume every part is posted and nothing is left
// unfinished.
func TestFailedPostRetriedByAnyProcess(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 3, distinct) // parts 0 (header) to 3
	clock := fakeclock.New(t0)
	a := e.process(t, "a", clock, Config{})
	b := e.process(t, "b", clock, Config{})
	ctx := context.Background()

	errDiscord := errors.New("discord: 503 service unavailable")
	failed := false
	e.post.fail = func(string) error {
		if failed {
			return nil
		}
		failed = true
		return errDiscord
	}
	if _, err := a.runner.Now(ctx, target); !errors.Is(err, errDiscord) {
		t.Fatalf("a: %v, want the post's failure", err)
	}
	un, err := b.store.UnfinishedDigests(ctx, channel)
	if err != nil || len(un) != 1 || un[0].Attempts != 1 {
		t.Fatalf("unfinished = %+v, %v; want one digest with one failed attempt", un, err)
	}
	if e.post.Posted() != 0 {
		t.Fatalf("messages after the failed post: %d, want 0", e.post.Posted())
	}

	if err := b.runner.Resume(ctx); err != nil { // the clock has not moved
		t.Fatalf("b's resume: %v", err)
	}
	if got := e.post.Posted(); got != 4 {
		t.Fatalf("messages after b's resume: %d, want 4: b did not retry the failed digest at once", got)
	}
	if un, err := b.store.UnfinishedDigests(ctx, channel); err != nil || len(un) != 0 {
		t.Fatalf("unfinished after b's resume: %d, %v; want none", len(un), err)
	}
}

// TestRestartWithoutSharedStoreResumesAtOnce: with SQLite (no shared
// store) a process killed mid-post and started again resumes its digest
// at start-up, although the dead process's lease is still live: the shard
// rule makes it the only process for the guild. No slot is claimed either.
func TestRestartWithoutSharedStoreResumesAtOnce(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 4, distinct)
	clock := fakeclock.New(t0)
	dead := e.process(t, "dead", clock, Config{})
	ctx := context.Background()
	deadCtx, kill := context.WithCancel(ctx)
	e.post.crashAt, e.post.onCrash = 2, kill
	if _, err := dead.runner.Now(deadCtx, target); !errors.Is(err, errCrash) {
		t.Fatalf("first process: %v, want the crash", err)
	}
	next := e.process(t, "next", clock, Config{})
	r := NewRunner(Config{Store: next.store, Summarizer: next.sum, Poster: e.post, Now: clock.Now,
		Sleep: clock.Sleep, Lease: testLease})
	if err := r.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.post.Posted(); got != 5 {
		t.Fatalf("messages after the restart: %d, want 5 (resumed at once, each part once)", got)
	}
	slot := t0.Add(-time.Minute)
	if ok, err := dead.store.Claim(ctx, slotKey(channel, slot.UTC().Format(time.RFC3339))); err != nil || !ok {
		t.Fatalf("claim: %v, %v", ok, err)
	}
	e.addItems(t, "feed-b", 1, func(int) string { return "Unrelated kernel advisory" })
	if _, err := r.Scheduled(ctx, target, slot); err != nil {
		t.Fatalf("slot claimed by the dead process: %v, want it run at once", err)
	}
}
