// Package clock is the real clock behind the Clock interfaces that
// gateway, intel and alerts take (Now and NewTimer), and the Sleep that
// digest, summarizer and bot default to; their tests pass
// internal/fakeclock instead.
package clock

import (
	"context"
	"time"
)

// Wall is the real time.
type Wall struct{}

// Now returns time.Now().
func (Wall) Now() time.Time { return time.Now() }

// NewTimer starts a time.Timer and returns its channel and its Stop.
func (Wall) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

// Sleep waits d, or until ctx ends: then it returns ctx's error.
func (Wall) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
