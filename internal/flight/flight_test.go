package flight

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// blockingWork is work that reports its context and waits for release (or
// for its context to end).
type blockingWork struct {
	calls   atomic.Int32
	ctxs    chan context.Context
	release chan struct{}
}

func newBlockingWork() *blockingWork {
	return &blockingWork{ctxs: make(chan context.Context, 8), release: make(chan struct{})}
}

func (w *blockingWork) do(ctx context.Context) (string, error) {
	n := w.calls.Add(1)
	w.ctxs <- ctx
	select {
	case <-w.release:
		return "result " + string(rune('0'+n)), nil
	case <-ctx.Done():
		return "", context.Cause(ctx)
	}
}

type result struct {
	v   string
	err error
}

// start runs g.Do in a goroutine and returns where its result arrives.
func start(g *Group[string], ctx context.Context, key string, w *blockingWork) <-chan result {
	out := make(chan result, 1)
	go func() {
		v, err := g.Do(ctx, key, w.do)
		out <- result{v, err}
	}()
	return out
}

func TestCallersShareOneRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g Group[string]
		w := newBlockingWork()
		a := start(&g, t.Context(), "k", w)
		b := start(&g, t.Context(), "k", w)
		synctest.Wait()
		if n := g.Waiters("k"); n != 2 {
			t.Fatalf("Waiters = %d, want 2", n)
		}
		close(w.release)
		for _, ch := range []<-chan result{a, b} {
			if r := <-ch; r.err != nil || r.v != "result 1" {
				t.Errorf("Do = %q, %v; want the one run's result", r.v, r.err)
			}
		}
		if n := w.calls.Load(); n != 1 {
			t.Errorf("work ran %d times, want 1", n)
		}
	})
}

func TestFirstCallerLeavingKeepsTheWorkForTheOthers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g Group[string]
		w := newBlockingWork()
		firstCtx, firstLeaves := context.WithCancel(t.Context())
		first := start(&g, firstCtx, "k", w)
		second := start(&g, t.Context(), "k", w)
		synctest.Wait()
		wctx := <-w.ctxs

		firstLeaves()
		if r := <-first; !errors.Is(r.err, context.Canceled) {
			t.Fatalf("first caller: %v, want context.Canceled", r.err)
		}
		synctest.Wait()
		if err := wctx.Err(); err != nil {
			t.Fatalf("work cancelled when only the first caller left: %v", context.Cause(wctx))
		}
		if n := g.Waiters("k"); n != 1 {
			t.Errorf("Waiters = %d, want 1", n)
		}
		close(w.release)
		if r := <-second; r.err != nil || r.v != "result 1" {
			t.Errorf("second caller: %q, %v", r.v, r.err)
		}
	})
}

func TestLastCallerLeavingCancelsTheWork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g Group[string]
		w := newBlockingWork()
		ctxA, leaveA := context.WithCancel(t.Context())
		ctxB, leaveB := context.WithCancel(t.Context())
		a := start(&g, ctxA, "k", w)
		b := start(&g, ctxB, "k", w)
		synctest.Wait()
		wctx := <-w.ctxs
		leaveA()
		<-a
		leaveB()
		<-b
		g.Wait()
		if cause := context.Cause(wctx); !errors.Is(cause, ErrAbandoned) {
			t.Errorf("work context cause = %v, want ErrAbandoned", cause)
		}
		if n := g.Waiters("k"); n != 0 {
			t.Errorf("Waiters = %d after everyone left", n)
		}
	})
}

func TestCallerDeadlineEndsItsWait(t *testing.T) {
	// An interaction's token expires: its context's deadline passes.
	synctest.Test(t, func(t *testing.T) {
		var g Group[string]
		w := newBlockingWork()
		ctx, cancel := context.WithTimeout(t.Context(), 15*time.Minute)
		defer cancel()
		r := start(&g, ctx, "k", w)
		wctx := <-w.ctxs
		time.Sleep(15 * time.Minute) // the bubble's clock: no real wait
		if got := <-r; !errors.Is(got.err, context.DeadlineExceeded) {
			t.Fatalf("Do = %v, want context.DeadlineExceeded", got.err)
		}
		g.Wait()
		if cause := context.Cause(wctx); !errors.Is(cause, ErrAbandoned) {
			t.Errorf("work context cause = %v, want ErrAbandoned", cause)
		}
	})
}

func TestCallerAfterAbandonmentStartsAfresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g Group[string]
		stuck := make(chan struct{})
		var runs atomic.Int32
		work := func(ctx context.Context) (string, error) {
			if runs.Add(1) == 1 {
				<-ctx.Done()
				<-stuck // the abandoned run is slow to wind down
				return "", context.Cause(ctx)
			}
			return "fresh", nil
		}
		ctx, leave := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { _, err := g.Do(ctx, "k", work); done <- err }()
		synctest.Wait()
		leave()
		<-done
		v, err := g.Do(t.Context(), "k", work)
		if err != nil || v != "fresh" {
			t.Errorf("Do after abandonment = %q, %v; want a fresh run's result", v, err)
		}
		close(stuck)
		g.Wait()
		if n := runs.Load(); n != 2 {
			t.Errorf("work ran %d times, want 2", n)
		}
	})
}

type guildKey struct{}

func TestWorkKeepsTheFirstCallersValues(t *testing.T) {
	var g Group[string]
	ctx := context.WithValue(t.Context(), guildKey{}, "guild-1")
	v, err := g.Do(ctx, "k", func(ctx context.Context) (string, error) {
		g, _ := ctx.Value(guildKey{}).(string)
		return g, nil
	})
	if err != nil || v != "guild-1" {
		t.Errorf("work saw guild %q (%v), want guild-1", v, err)
	}
}

func TestDoneContextStartsNothing(t *testing.T) {
	var g Group[string]
	ctx, cancel := context.WithCancelCause(t.Context())
	shutdown := errors.New("shutting down")
	cancel(shutdown)
	ran := false
	_, err := g.Do(ctx, "k", func(context.Context) (string, error) { ran = true; return "", nil })
	if !errors.Is(err, shutdown) {
		t.Errorf("Do = %v, want the context's cause", err)
	}
	if ran {
		t.Error("work started for a caller already gone")
	}
}

func TestWorkErrorReachesEveryWaiter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g Group[string]
		boom := errors.New("llm unavailable")
		release := make(chan struct{})
		work := func(context.Context) (string, error) { <-release; return "", boom }
		errs := make(chan error, 2)
		for range 2 {
			go func() { _, err := g.Do(t.Context(), "k", work); errs <- err }()
		}
		synctest.Wait()
		close(release)
		for range 2 {
			if err := <-errs; !errors.Is(err, boom) {
				t.Errorf("Do = %v, want the work's error", err)
			}
		}
	})
}
