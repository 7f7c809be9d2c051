package commands

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter is a per-key token bucket (per user, per guild): perMinute
// events a minute with a burst of the same size.
type Limiter struct {
	mu        sync.Mutex
	perMinute int
	now       func() time.Time
	buckets   map[string]*rate.Limiter
	lastSweep time.Time
}

// NewLimiter returns a Limiter allowing perMinute events a minute per key;
// perMinute ≤ 0 disables limiting. now is the clock (time.Now when nil).
func NewLimiter(perMinute int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{perMinute: perMinute, now: now, buckets: make(map[string]*rate.Limiter)}
}

// Allow takes one token for key. When none is left it takes nothing and
// returns false with how long until one is.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	if l == nil || l.perMinute <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.sweep(now)
	b, ok := l.buckets[key]
	if !ok {
		b = rate.NewLimiter(rate.Every(time.Minute/time.Duration(l.perMinute)), l.perMinute)
		l.buckets[key] = b
	}
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep drops buckets that are full again, so the map stays as small as the
// set of recently active keys.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < time.Minute {
		return
	}
	l.lastSweep = now
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.perMinute) {
			delete(l.buckets, k)
		}
	}
}
