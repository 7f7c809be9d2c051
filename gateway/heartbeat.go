package gateway

import (
	"math/rand/v2"
	"sync"
	"time"
)

// heartbeat sends op 1 every interval (the first one after a random
// fraction of it, as Discord asks) and tracks the ACKs: a beat sent while
// the previous one is still unacknowledged marks the connection a zombie.
type heartbeat struct {
	w     *writer
	clock Clock
	now   chan struct{}
	done  chan struct{}
	wg    sync.WaitGroup

	mu       sync.Mutex
	seq      int64
	awaiting bool // a beat was sent and not acknowledged yet
	dead     bool
}

func newHeartbeat(w *writer, clock Clock, interval time.Duration, seq int64) *heartbeat {
	h := &heartbeat{w: w, clock: clock, seq: seq, now: make(chan struct{}, 1), done: make(chan struct{})}
	h.wg.Go(func() { h.run(interval) })
	return h
}

func (h *heartbeat) run(interval time.Duration) {
	next, stop := h.clock.NewTimer(rand.N(interval) + 1)
	defer func() { stop() }()
	for {
		timed := false
		select {
		case <-h.done:
			return
		case <-next:
			next, stop = h.clock.NewTimer(interval)
			timed = true
		case <-h.now:
		}
		h.mu.Lock()
		// Only a beat of our own interval finds the connection dead: a
		// beat Discord asked for (op 1) may go out just before the ACK of
		// the previous one arrives.
		if timed && h.awaiting {
			h.dead = true
		}
		h.awaiting = true
		seq := h.seq
		h.mu.Unlock()
		var d any // null before the first dispatch
		if seq > 0 {
			d = seq
		}
		if h.zombie() || h.w.send(1, d) != nil {
			h.w.close(4000, "heartbeat")
			return
		}
	}
}

// beatNow sends a heartbeat at once (Discord's op 1).
func (h *heartbeat) beatNow() {
	select {
	case h.now <- struct{}{}:
	default:
	}
}

func (h *heartbeat) setSeq(seq int64) {
	h.mu.Lock()
	h.seq = seq
	h.mu.Unlock()
}

func (h *heartbeat) acked() {
	h.mu.Lock()
	h.awaiting = false
	h.mu.Unlock()
}

func (h *heartbeat) zombie() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.dead
}

func (h *heartbeat) stop() {
	close(h.done)
	h.wg.Wait()
}
