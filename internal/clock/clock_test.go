package clock

import (
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
