// Package clock is the real clock behind the Clock interfaces that
// gateway, intel and alerts take (Now and NewTimer); their tests pass
// internal/fakeclock instead.
package clock

import "time"

// Wall is the real time.
type Wall struct{}

// Now returns time.Now().
func (Wall) Now() time.Time { return time.Now() }

// NewTimer starts a time.Timer and returns its channel and its Stop.
func (Wall) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}
