// Package fakeclock is a clock for tests that moves only when the test
// says so: heartbeats, backoffs and rate-limit waits run without sleeping
// and without depending on how fast a loaded machine is.
package fakeclock

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Clock is a fake clock. Its zero value is not usable: call New.
type Clock struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*timer
	asked   []time.Duration // every timer's duration, in order
	changed chan struct{}   // closed and replaced when a timer is made
}

type timer struct {
	at time.Time
	d  time.Duration
	c  chan time.Time
}

// New returns a Clock reading now.
func New(now time.Time) *Clock {
	return &Clock{now: now, changed: make(chan struct{})}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a channel that receives the time once the clock has
// been advanced by d (at once when d <= 0), and a stop function that
// reports whether it stopped the timer before it fired.
func (c *Clock) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &timer{at: c.now.Add(d), d: d, c: make(chan time.Time, 1)}
	c.asked = append(c.asked, d)
	close(c.changed)
	c.changed = make(chan struct{})
	if d <= 0 {
		t.c <- c.now
		return t.c, func() bool { return false }
	}
	c.timers = append(c.timers, t)
	return t.c, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		i := slices.Index(c.timers, t)
		if i < 0 {
			return false
		}
		c.timers = slices.Delete(c.timers, i, i+1)
		return true
	}
}

// Sleep waits until the clock has been advanced by d, or ctx ends.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	ch, stop := c.NewTimer(d)
	defer stop()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Advance moves the clock forward by d and fires the timers then due.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.timers = slices.DeleteFunc(c.timers, func(t *timer) bool {
		if t.at.After(c.now) {
			return false
		}
		t.c <- c.now
		return true
	})
}

// Pending returns the durations of the timers not fired nor stopped, in
// the order they were made.
func (c *Clock) Pending() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]time.Duration, len(c.timers))
	for i, t := range c.timers {
		out[i] = t.d
	}
	return out
}

// Asked returns the duration of every timer and sleep made so far, fired
// or not, in order.
func (c *Clock) Asked() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.asked)
}

// WaitAsked blocks until at least n timers or sleeps have been made, or
// ctx ends.
func (c *Clock) WaitAsked(ctx context.Context, n int) error {
	return c.waitFor(ctx, func() bool { return len(c.asked) >= n })
}

// WaitPending blocks until at least n timers are pending, or ctx ends.
func (c *Clock) WaitPending(ctx context.Context, n int) error {
	return c.waitFor(ctx, func() bool { return len(c.timers) >= n })
}

// waitFor blocks until cond, evaluated under the lock, holds.
func (c *Clock) waitFor(ctx context.Context, cond func() bool) error {
	for {
		c.mu.Lock()
		ok, changed := cond(), c.changed
		c.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// AdvanceToNext waits until a timer is pending, advances the clock to the
// earliest one, and returns by how much it moved.
func (c *Clock) AdvanceToNext(ctx context.Context) (time.Duration, error) {
	if err := c.WaitPending(ctx, 1); err != nil {
		return 0, err
	}
	c.mu.Lock()
	next := c.timers[0].at
	for _, t := range c.timers[1:] {
		if t.at.Before(next) {
			next = t.at
		}
	}
	d := next.Sub(c.now)
	c.mu.Unlock()
	c.Advance(d)
	return d, nil
}
