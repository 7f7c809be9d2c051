package storage

import (
	"context"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakeclock"
)

// withOwner is s as another process sharing its database would see it:
// the same pools under another owner name. The copy must not be closed.
func (s *Store) withOwner(owner string) *Store {
	c := *s
	c.owner = owner
	return &c
}

func TestClaim(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		clock := fakeclock.New(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		a := open(t, WithClock(clock.Now), WithOwner("a"), WithLease(time.Minute))
		b := a.withOwner("b")

		if ok, err := a.Claim(ctx, "summary:k"); err != nil || !ok {
			t.Fatalf("a's first claim = %v, %v; want it", ok, err)
		}
		if ok, err := b.Claim(ctx, "summary:k"); err != nil || ok {
			t.Fatalf("b's claim of a's live job = %v, %v; want refused", ok, err)
		}
		if held, err := b.ClaimHeld(ctx, "summary:k"); err != nil || !held {
			t.Errorf("ClaimHeld = %v, %v; want held", held, err)
		}
		if ok, err := b.Claim(ctx, "summary:other"); err != nil || !ok {
			t.Errorf("b's claim of another job = %v, %v; want it", ok, err)
		}
		clock.Advance(59 * time.Second)
		if ok, err := a.Claim(ctx, "summary:k"); err != nil || !ok {
			t.Fatalf("a renewing its claim = %v, %v; want it", ok, err)
		}
		clock.Advance(59 * time.Second) // a renewed 59 s ago: still a's
		if ok, _ := b.Claim(ctx, "summary:k"); ok {
			t.Fatal("b took a renewed claim")
		}
		clock.Advance(2 * time.Second) // a's lease lapsed: its process died
		if held, _ := b.ClaimHeld(ctx, "summary:k"); held {
			t.Error("a lapsed claim still counts as held")
		}
		if ok, err := b.Claim(ctx, "summary:k"); err != nil || !ok {
			t.Fatalf("b taking over a lapsed claim = %v, %v; want it", ok, err)
		}
		if err := a.Release(ctx, "summary:k"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := a.Claim(ctx, "summary:k"); ok {
			t.Fatal("a's Release freed b's claim")
		}
		if err := b.Release(ctx, "summary:k"); err != nil {
			t.Fatal(err)
		}
		if ok, err := a.Claim(ctx, "summary:k"); err != nil || !ok {
			t.Fatalf("claim after release = %v, %v; want it", ok, err)
		}
		clock.Advance(time.Hour)
		if n, err := a.PruneClaims(ctx); err != nil || n != 2 {
			t.Errorf("PruneClaims = %d, %v; want 2 lapsed claims", n, err)
		}
		if _, err := a.Claim(ctx, ""); err == nil {
			t.Error("empty key accepted")
		}
	})
}
