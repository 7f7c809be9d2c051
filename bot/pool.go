package bot

import "sync/atomic"

// handlerWorkers is how many long-lived goroutines run event handlers.
const handlerWorkers = 64

// handlerPool runs event handlers on long-lived goroutines when one is
// idle, else on a goroutine of their own. A handler goes deep (routing,
// the command, the URL checks) before it answers, so a fresh goroutine
// grows (copies) its stack on the way to every answer; a worker's stack
// has grown once. Under a burst that copying is work every waiting member
// queues behind.
type handlerPool struct {
	jobs    chan func()
	spawned atomic.Int64 // handlers that found no idle worker
}

// newHandlerPool starts n workers.
func newHandlerPool(n int) *handlerPool {
	p := &handlerPool{jobs: make(chan func())}
	for range n {
		go func() {
			for job := range p.jobs {
				job()
			}
		}()
	}
	return p
}

// run starts job on an idle worker, or on a new goroutine when none is
// idle: it never waits. It must not be called after stop.
func (p *handlerPool) run(job func()) {
	select {
	case p.jobs <- job:
	default:
		p.spawned.Add(1)
		go job()
	}
}

// stop lets the workers exit once their current handler returns; it does
// not wait for them (the Bot tracks handlers in flight itself).
func (p *handlerPool) stop() { close(p.jobs) }
