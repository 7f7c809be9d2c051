package bot

import (
	"context"
	"testing"
	"time"
)

// manualQuiet replaces firstAnswers' quiet-period timer with one the test
// fires.
type manualQuiet chan chan time.Time

func (m manualQuiet) after(time.Duration) <-chan time.Time {
	c := make(chan time.Time, 1)
	m <- c
	return c
}

// expire fires the quiet-period timer that wait started.
func (m manualQuiet) expire(t *testing.T) {
	t.Helper()
	select {
	case c := <-m:
		c <- time.Time{}
	case <-time.After(10 * time.Second):
		t.Fatal("wait did not start its quiet period")
	}
}

func waitAsync(f *firstAnswers) <-chan struct{} {
	done := make(chan struct{})
	go func() { f.wait(context.Background(), time.Hour); close(done) }()
	return done
}

func returned(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	case <-time.After(20 * time.Millisecond):
		return false
	}
}

func TestFirstAnswersWaitsForPendingAnswersAndQuiet(t *testing.T) {
	f := newFirstAnswers()
	q := make(manualQuiet)
	f.after = q.after

	done := waitAsync(f) // idle: only the quiet period
	q.expire(t)
	if !returned(done) {
		t.Fatal("idle and quiet: wait did not return")
	}

	end1, end2 := f.begin(), f.begin()
	done = waitAsync(f)
	end1()
	end1() // idempotent
	if returned(done) {
		t.Fatal("wait returned while an answer was still pending")
	}
	end2()
	q.expire(t)
	if !returned(done) {
		t.Fatal("wait did not return once every answer was given and the quiet period passed")
	}
}

func TestFirstAnswersWaitsOutABurst(t *testing.T) {
	f := newFirstAnswers()
	q := make(manualQuiet)
	f.after = q.after
	end := f.begin()
	done := waitAsync(f)
	end()
	// The quiet period started; another member's interaction begins and
	// is answered within it: the burst is not over.
	select {
	case c := <-q:
		f.begin()()
		c <- time.Time{}
	case <-time.After(10 * time.Second):
		t.Fatal("wait did not start its quiet period")
	}
	if returned(done) {
		t.Fatal("wait returned although an interaction began during the quiet period")
	}
	q.expire(t) // a second quiet period without a new interaction
	if !returned(done) {
		t.Fatal("wait did not return after a quiet period without interactions")
	}
}

func TestFirstAnswersWaitEnds(t *testing.T) {
	f := newFirstAnswers()
	f.after = make(manualQuiet).after // blocks forever: never fired
	defer f.begin()()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f.wait(ctx, time.Hour) // returns on a cancelled context
	f.wait(context.Background(), time.Millisecond)
}
