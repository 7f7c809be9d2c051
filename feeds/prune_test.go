package feeds

import (
	"context"
	"testing"
	"time"
)

// TestRunPrunesDaily: Run prunes items of the retention ago at start and
// then once a day, not on every tick.
func TestRunPrunesDaily(t *testing.T) {
	store := newMemStore()
	polls := make(chan struct{}, 4)
	store.onClaim = func() { polls <- struct{}{} }
	tick := make(chan time.Time)
	clock := &fakeClock{t: pollT0}
	p, _ := testPoller(t, store, clock, Options{Retention: 30 * 24 * time.Hour,
		NewTicker: func(time.Duration) (<-chan time.Time, func()) { return tick, func() {} }})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- p.Run(ctx) }()
	steps := []struct {
		name    string
		advance time.Duration
		prunes  int
	}{
		{"start", 0, 1},
		{"next tick", 15 * time.Minute, 1},
		{"a day after start", 24*time.Hour - 15*time.Minute, 2},
		{"a tick later", 15 * time.Minute, 2},
	}
	for i, s := range steps {
		clock.Set(clock.Now().Add(s.advance))
		if i > 0 {
			tick <- clock.Now()
		}
		select {
		case <-polls:
		case <-time.After(guard):
			t.Fatalf("%s: no poll", s.name)
		}
		got := store.pruneCalls()
		if len(got) != s.prunes {
			t.Fatalf("%s: %d prunes, want %d", s.name, len(got), s.prunes)
		}
		if want := clock.Now().Add(-30 * 24 * time.Hour); s.advance != 15*time.Minute && !got[len(got)-1].Equal(want) {
			t.Errorf("%s: pruned before %v, want %v", s.name, got[len(got)-1], want)
		}
	}
	cancel()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
}
