package commands

import (
	"context"
	"testing"
	"time"
)

func TestFirstAnswersWaitsForPendingAnswers(t *testing.T) {
	f := newFirstAnswers()
	f.wait(context.Background(), time.Hour) // idle: returns at once

	end1, end2 := f.begin(), f.begin()
	done := make(chan struct{})
	go func() { f.wait(context.Background(), time.Hour); close(done) }()
	end1()
	end1() // idempotent
	select {
	case <-done:
		t.Fatal("wait returned while an answer was still pending")
	case <-time.After(20 * time.Millisecond):
	}
	end2()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("wait did not return once every answer was given")
	}

	end3 := f.begin()
	defer end3()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f.wait(ctx, time.Hour) // returns on a cancelled context
}
