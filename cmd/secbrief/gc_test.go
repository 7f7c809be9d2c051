package main

import (
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	// Not parallel: the GC percent is process-wide.
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)

	restore := tuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(botGCPercent); got != botGCPercent {
		t.Errorf("GOGC unset: GC percent %d, want %d", got, botGCPercent)
	}
	restore()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("after restore: GC percent %d, want the previous 100", got)
	}

	env := map[string]string{"GOGC": "50"}
	debug.SetGCPercent(50) // what the runtime read from GOGC=50
	defer tuneGC(func(k string) string { return env[k] })()
	if got := debug.SetGCPercent(50); got != 50 {
		t.Errorf("GOGC=50 set by the operator: GC percent %d, want 50 left alone", got)
	}
}
