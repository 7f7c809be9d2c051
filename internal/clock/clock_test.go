package clock

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestWall(t *testing.T) {
	before := time.Now()
	if now := (Wall{}).Now(); now.Before(before) {
		t.Errorf("Now %v is before %v", now, before)
	}
	c, stop := Wall{}.NewTimer(time.Millisecond)
	if got := <-c; got.Before(before) {
		t.Errorf("timer fired at %v, before it was made", got)
	}
	if stop() {
		t.Error("stop of a fired timer reports it stopped the timer")
	}
	_, stop = Wall{}.NewTimer(time.Hour)
	if !stop() {
		t.Error("stop of a pending timer reports nothing stopped")
	}
}

func TestWallSleep(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel2()
	tests := []struct {
		name    string
		ctx     context.Context
		d       time.Duration
		want    error
		atLeast time.Duration // how long Sleep must have waited
	}{
		{"elapses", context.Background(), 5 * time.Millisecond, nil, 5 * time.Millisecond},
		{"zero", context.Background(), 0, nil, 0},
		{"canceled before", canceled, time.Hour, context.Canceled, 0},
		{"deadline during", expired, time.Hour, context.DeadlineExceeded, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			err := Wall{}.Sleep(tt.ctx, tt.d)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Sleep = %v, want %v", err, tt.want)
			}
			if took := time.Since(start); took < tt.atLeast {
				t.Errorf("Sleep returned after %v, before %v", took, tt.atLeast)
			}
		})
	}
}
