package main

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	// Not parallel: the GC settings are process-wide.
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))

	restore := tuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(botGCPercent); got != botGCPercent {
		t.Errorf("GOGC unset: GC percent %d, want %d", got, botGCPercent)
	}
	if got := debug.SetMemoryLimit(-1); got != botMemoryLimit {
		t.Errorf("GOMEMLIMIT unset: memory limit %d, want %d", got, botMemoryLimit)
	}
	restore()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("after restore: GC percent %d, want the previous 100", got)
	}
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("after restore: memory limit %d, want none", got)
	}

	// What the runtime read from GOGC=50 and GOMEMLIMIT=1GiB stays.
	debug.SetGCPercent(50)
	debug.SetMemoryLimit(1 << 30)
	env := map[string]string{"GOGC": "50", "GOMEMLIMIT": "1GiB"}
	defer tuneGC(func(k string) string { return env[k] })()
	if got := debug.SetGCPercent(50); got != 50 {
		t.Errorf("GOGC=50 set by the operator: GC percent %d, want 50 left alone", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 1<<30 {
		t.Errorf("GOMEMLIMIT set by the operator: memory limit %d, want 1 GiB left alone", got)
	}
}
