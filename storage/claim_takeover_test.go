package storage

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakeclock"
	"github.com/secbrief/secbrief/news"
)

func TestTakeOverClaim(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		clock := fakeclock.New(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		a := open(t, WithClock(clock.Now), WithOwner("a"), WithLease(time.Minute))
		b := a.withOwner("b")
		const key = "digest:c:2026-12-01T09:00:00Z"

		if ok, err := b.TakeOverClaim(ctx, key); ok || !errors.Is(err, news.ErrNotFound) {
			t.Fatalf("take over of an unclaimed job = %v, %v; want news.ErrNotFound (nothing to take over)", ok, err)
		}
		if ok, err := a.Claim(ctx, key); err != nil || !ok {
			t.Fatalf("a's claim = %v, %v", ok, err)
		}
		clock.Advance(59 * time.Second)
		if ok, err := b.TakeOverClaim(ctx, key); err != nil || ok {
			t.Fatalf("take over of a live claim = %v, %v; want false, nil", ok, err)
		}
		if ok, err := a.TakeOverClaim(ctx, key); err != nil || !ok {
			t.Fatalf("a renewing its own claim = %v, %v; want it", ok, err)
		}
		clock.Advance(61 * time.Second) // a died after renewing
		if ok, err := b.TakeOverClaim(ctx, key); err != nil || !ok {
			t.Fatalf("take over of a lapsed claim = %v, %v; want it", ok, err)
		}
		if ok, _ := a.Claim(ctx, key); ok {
			t.Fatal("a reclaimed the job b took over")
		}
		if err := b.Release(ctx, key); err != nil {
			t.Fatal(err)
		}
		if ok, err := a.TakeOverClaim(ctx, key); ok || !errors.Is(err, news.ErrNotFound) {
			t.Fatalf("take over of a released job = %v, %v; want news.ErrNotFound", ok, err)
		}
	})
}
