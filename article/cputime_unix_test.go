//go:build unix

package article

import (
	"syscall"
	"time"
)

// processCPUTime is the user+system CPU time this process has used, so a
// benchmark can report a rate that does not depend on the machine's load.
func processCPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
