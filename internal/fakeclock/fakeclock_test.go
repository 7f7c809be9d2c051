package fakeclock

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func fired(c <-chan time.Time) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func TestTimersFireWhenAdvancedPastThem(t *testing.T) {
	c := New(t0)
	short, _ := c.NewTimer(time.Second)
	long, _ := c.NewTimer(time.Minute)
	stopped, stop := c.NewTimer(time.Second)
	now, _ := c.NewTimer(0)
	if !fired(now) {
		t.Fatal("a zero timer did not fire at once")
	}
	if !stop() || stop() {
		t.Fatal("stop reports wrongly")
	}
	c.Advance(999 * time.Millisecond)
	if fired(short) || fired(long) {
		t.Fatal("a timer fired early")
	}
	c.Advance(time.Millisecond)
	if !fired(short) || fired(long) || fired(stopped) {
		t.Fatal("after 1s: want only the 1s timer fired")
	}
	if got := c.Pending(); !slices.Equal(got, []time.Duration{time.Minute}) {
		t.Fatalf("Pending = %v", got)
	}
	if d, err := c.AdvanceToNext(context.Background()); err != nil || d != 59*time.Second || !fired(long) {
		t.Fatalf("AdvanceToNext = %v, %v", d, err)
	}
	if got, want := c.Asked(), []time.Duration{time.Second, time.Minute, time.Second, 0}; !slices.Equal(got, want) {
		t.Fatalf("Asked = %v, want %v", got, want)
	}
	if !c.Now().Equal(t0.Add(time.Minute)) {
		t.Fatalf("Now = %v", c.Now())
	}
}

func TestSleep(t *testing.T) {
	c := New(t0)
	done := make(chan error, 1)
	go func() { done <- c.Sleep(context.Background(), time.Hour) }()
	if err := c.WaitPending(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Hour)
	if err := <-done; err != nil {
		t.Fatalf("Sleep = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { done <- c.Sleep(ctx, time.Hour) }()
	if err := c.WaitAsked(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep after cancel = %v", err)
	}
	if len(c.Pending()) != 0 {
		t.Fatalf("a cancelled sleep left a timer: %v", c.Pending())
	}
}
