package main

import "runtime/debug"

// botGCPercent is the garbage collector's target for `secbrief run` when
// the operator did not set GOGC. The bot's live heap is small (tens of MB:
// caches and connection state) while a burst of interactions allocates
// fast; Go's default of 100 collects every time the heap doubles, several
// times within one burst, and each collection's marking and assists land
// on the answers members are waiting for. At 400 the heap may grow to five
// times the live data, still well under 200 MB, for a quarter of the
// collections.
const botGCPercent = 400

// tuneGC applies botGCPercent unless GOGC is set in the environment, which
// always wins. It returns a func that restores the previous setting.
func tuneGC(getenv func(string) string) (restore func()) {
	if getenv("GOGC") != "" {
		return func() {}
	}
	prev := debug.SetGCPercent(botGCPercent)
	return func() { debug.SetGCPercent(prev) }
}
