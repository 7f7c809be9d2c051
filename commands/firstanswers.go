package commands

import (
	"context"
	"sync"
	"time"
)

// firstAnswers counts interactions still waiting for their first response,
// so that work which can wait (opening threads) yields to them: under a
// burst, every member gets an answer before any thread is opened.
type firstAnswers struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed while n == 0
}

func newFirstAnswers() *firstAnswers {
	idle := make(chan struct{})
	close(idle)
	return &firstAnswers{idle: idle}
}

// begin registers an interaction waiting for its first response; the
// returned func, safe to call more than once, marks it answered.
func (f *firstAnswers) begin() (end func()) {
	f.mu.Lock()
	if f.n == 0 {
		f.idle = make(chan struct{})
	}
	f.n++
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

// wait returns once no interaction waits for its first response, or after
// at most max, or when ctx ends.
func (f *firstAnswers) wait(ctx context.Context, max time.Duration) {
	f.mu.Lock()
	idle := f.idle
	f.mu.Unlock()
	t := time.NewTimer(max)
	defer t.Stop()
	select {
	case <-idle:
	case <-t.C:
	case <-ctx.Done():
	}
}
