package bot

import (
	"context"
	"sync"
	"time"
)

// burstQuiet is how long no interaction must have begun before work that
// can wait (opening threads) starts: under a burst, interactions keep
// arriving while the first ones are already answered, and a thread opened
// in that gap delays the members still waiting for their answer.
const burstQuiet = 20 * time.Millisecond

// firstAnswers counts interactions still waiting for their first response,
// so that work which can wait (opening threads) yields to them: under a
// burst, every member gets an answer before any thread is opened.
type firstAnswers struct {
	mu    sync.Mutex
	n     int
	gen   uint64        // counts begin calls
	idle  chan struct{} // closed while n == 0
	quiet time.Duration
	after func(time.Duration) <-chan time.Time // time.After; tests replace it
}

func newFirstAnswers() *firstAnswers {
	idle := make(chan struct{})
	close(idle)
	return &firstAnswers{idle: idle, quiet: burstQuiet, after: time.After}
}

// begin registers an interaction waiting for its first response; the
// returned func, safe to call more than once, marks it answered.
func (f *firstAnswers) begin() (end func()) {
	f.mu.Lock()
	if f.n == 0 {
		f.idle = make(chan struct{})
	}
	f.n++
	f.gen++
	f.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			f.mu.Lock()
			f.n--
			if f.n == 0 {
				close(f.idle)
			}
			f.mu.Unlock()
		})
	}
}

// wait returns once no interaction waits for its first response and none
// began for the quiet period, or after at most max, or when ctx ends.
func (f *firstAnswers) wait(ctx context.Context, max time.Duration) {
	t := time.NewTimer(max)
	defer t.Stop()
	for {
		f.mu.Lock()
		idle := f.idle
		f.mu.Unlock()
		select {
		case <-idle:
		case <-t.C:
			return
		case <-ctx.Done():
			return
		}
		f.mu.Lock()
		gen := f.gen
		f.mu.Unlock()
		select {
		case <-f.after(f.quiet):
		case <-t.C:
			return
		case <-ctx.Done():
			return
		}
		f.mu.Lock()
		quiet := f.gen == gen && f.n == 0
		f.mu.Unlock()
		if quiet {
			return
		}
	}
}
