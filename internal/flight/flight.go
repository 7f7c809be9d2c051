// Package flight shares one piece of work among the callers that want its
// result, and stops it once none of them is waiting.
//
// It is singleflight with a reference count: the work runs under a context
// of its own, carrying the first caller's values (such as the guild its
// LLM usage is billed to) but not its cancellation, so the first caller
// leaving does not end the work for the others; that context is cancelled
// when the last waiting caller's context is done. Nobody waiting, no
// spending.
package flight

import (
	"context"
	"errors"
	"sync"
)

// ErrAbandoned is the cause of a work context cancelled because every
// caller waiting for its result left.
var ErrAbandoned = errors.New("every caller waiting for this work left")

// Group runs work once per key for all the callers that wait for it at the
// same time. The zero Group is ready to use; it must not be copied.
type Group[V any] struct {
	mu      sync.Mutex
	calls   map[string]*call[V]
	running sync.WaitGroup
}

// call is one running piece of work and the callers waiting for it.
type call[V any] struct {
	waiters int
	stop    context.CancelCauseFunc
	done    chan struct{} // closed once val and err are set
	val     V
	err     error
}

// Do returns the result of work for key: it joins the work already running
// for key, or starts it with the values of ctx. It returns early, with
// ctx's cause, when ctx is done first; when it was the last caller
// waiting, the work's context is then cancelled with ErrAbandoned. A
// caller whose ctx is already done starts nothing.
func (g *Group[V]) Do(ctx context.Context, key string, work func(ctx context.Context) (V, error)) (V, error) {
	var zero V
	if ctx.Err() != nil {
		return zero, context.Cause(ctx)
	}
	g.mu.Lock()
	c, ok := g.calls[key]
	if !ok {
		if g.calls == nil {
			g.calls = make(map[string]*call[V])
		}
		wctx, stop := context.WithCancelCause(context.WithoutCancel(ctx))
		c = &call[V]{stop: stop, done: make(chan struct{})}
		g.calls[key] = c
		g.running.Add(1)
		go g.run(wctx, key, c, work)
	}
	c.waiters++
	g.mu.Unlock()

	select {
	case <-c.done:
		return c.val, c.err
	case <-ctx.Done():
	}
	select {
	case <-c.done: // finished as ctx ended: the result is there, take it
		return c.val, c.err
	default:
	}
	g.leave(key, c)
	return zero, context.Cause(ctx)
}

// run does the work and hands its result to the callers still waiting.
func (g *Group[V]) run(ctx context.Context, key string, c *call[V], work func(context.Context) (V, error)) {
	defer g.running.Done()
	c.val, c.err = work(ctx)
	g.mu.Lock()
	if g.calls[key] == c {
		delete(g.calls, key)
	}
	g.mu.Unlock()
	close(c.done)
	c.stop(context.Canceled) // releases the context's resources
}

// leave removes a waiter; the last one out cancels the work and forgets
// it, so a caller arriving later starts afresh instead of joining work
// that is being cancelled.
func (g *Group[V]) leave(key string, c *call[V]) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c.waiters--; c.waiters > 0 {
		return
	}
	if g.calls[key] == c {
		delete(g.calls, key)
	}
	c.stop(ErrAbandoned)
}

// Waiters is how many callers wait for key's work now (0 when none runs).
func (g *Group[V]) Waiters(key string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c, ok := g.calls[key]; ok {
		return c.waiters
	}
	return 0
}

// Wait blocks until every piece of work started has returned, abandoned
// work included: an owner about to close what the work uses (a database)
// calls it first, once no new caller can arrive.
func (g *Group[V]) Wait() { g.running.Wait() }
