package bot

import (
	"sync"
	"testing"
	"time"
)

// run never waits: with every worker busy a handler still runs, on a
// goroutine of its own; an idle worker takes the next one; stop lets the
// workers go while a handler is still running.
func TestHandlerPool(t *testing.T) {
	p := newHandlerPool(1)
	release := make(chan struct{})
	started := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	p.run(func() { defer wg.Done(); close(started); <-release })
	<-started
	// The one worker, if it took the first handler, is busy now; if the
	// first went to a goroutine of its own, the worker may be idle. Either
	// way the second handler runs without waiting for the first.
	done := make(chan struct{})
	p.run(func() { defer wg.Done(); close(done) })
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a handler waited for a busy one")
	}
	close(release)
	wg.Wait()

	// An idle worker takes handlers: once it is back waiting (give it a
	// moment after each handler), a handler goes to it, not to a goroutine
	// of its own.
	const tries = 200
	took := false
	for range tries {
		before := p.spawned.Load()
		ran := make(chan struct{})
		p.run(func() { close(ran) })
		<-ran
		if p.spawned.Load() == before {
			took = true
			break
		}
		time.Sleep(time.Millisecond) // let the worker reach its receive
	}
	if !took {
		t.Errorf("all %d handlers started goroutines of their own; the idle worker took none", tries)
	}

	// stop with a handler in flight: it finishes, nothing blocks.
	hold := make(chan struct{})
	finished := make(chan struct{})
	p.run(func() { <-hold; close(finished) })
	p.stop()
	close(hold)
	select {
	case <-finished:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler in flight at stop did not finish")
	}
}
