package commands

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	l := NewLimiter(4, func() time.Time { return now })
	for i := range 4 {
		if ok, _ := l.Allow("alice"); !ok {
			t.Fatalf("event %d refused within the burst", i+1)
		}
	}
	ok, wait := l.Allow("alice")
	if ok || wait <= 0 || wait > 15*time.Second {
		t.Fatalf("5th event: ok=%v wait=%v, want refused with a wait of at most 15s", ok, wait)
	}
	if ok, _ := l.Allow("bob"); !ok {
		t.Fatal("another key is limited by alice's use")
	}
	now = now.Add(wait)
	if ok, _ := l.Allow("alice"); !ok {
		t.Fatal("still refused after the announced wait")
	}
	now = now.Add(10 * time.Minute)
	l.Allow("carol")
	if _, kept := l.buckets["bob"]; kept {
		t.Fatal("idle bucket not swept")
	}
}

func TestLimiterDisabled(t *testing.T) {
	l := NewLimiter(0, nil)
	for range 100 {
		if ok, _ := l.Allow("x"); !ok {
			t.Fatal("disabled limiter refused")
		}
	}
}

func TestHumanWait(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{{0, "1 s"}, {300 * time.Millisecond, "1 s"}, {40 * time.Second, "40 s"}, {39100 * time.Millisecond, "40 s"}, {5 * time.Minute, "5 min"}} {
		if got := humanWait(tt.d); got != tt.want {
			t.Errorf("humanWait(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
