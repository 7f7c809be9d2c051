package main

import "runtime/debug"

// The garbage collector's settings for `secbrief run` when the operator
// set neither GOGC nor GOMEMLIMIT. The bot's live heap is small (tens of
// MB: caches and connection state) while a burst of interactions
// allocates fast; Go's default (GOGC=100) collects every time the heap
// doubles, several times within one burst, and each collection's marking
// and assists land on the answers members are waiting for. At 1000 the
// heap may grow to about eleven times the live data before a collection,
// and the soft limit collects earlier rather than let it pass 512 MiB.
const (
	botGCPercent   = 1000
	botMemoryLimit = 512 << 20
)

// tuneGC applies botGCPercent unless GOGC is set in the environment, and
// botMemoryLimit unless GOMEMLIMIT is: the operator's settings always win.
// It returns a func that restores the previous settings.
func tuneGC(getenv func(string) string) (restore func()) {
	var undo []func()
	if getenv("GOGC") == "" {
		prev := debug.SetGCPercent(botGCPercent)
		undo = append(undo, func() { debug.SetGCPercent(prev) })
	}
	if getenv("GOMEMLIMIT") == "" {
		prev := debug.SetMemoryLimit(botMemoryLimit)
		undo = append(undo, func() { debug.SetMemoryLimit(prev) })
	}
	return func() {
		for _, u := range undo {
			u()
		}
	}
}
