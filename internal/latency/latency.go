//go:build unix

// Package latency measures bursts for benchmarks: latency percentiles and
// the CPU time the process spent, reported the same way by every burst
// benchmark.
package latency

import (
	"fmt"
	"math"
	"slices"
	"syscall"
	"testing"
	"time"
)

// ProcessCPU is the CPU time (user and system) the process has used. A
// burst on a small machine is CPU-bound, so its CPU per request is what
// the latency follows; unlike wall time it barely moves when other
// processes load the machine.
func ProcessCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("getrusage: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// CPU is ProcessCPU for a benchmark or test, failing it on error.
func CPU(tb testing.TB) time.Duration {
	tb.Helper()
	cpu, err := ProcessCPU()
	if err != nil {
		tb.Fatal(err)
	}
	return cpu
}

// Percentile is the nearest-rank p-th percentile of sorted (0 if empty).
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// Report reports lat's p50, p99 and max in milliseconds, and cpu per
// latency sample in microseconds, as b's metrics; it returns the p99.
func Report(b *testing.B, lat []time.Duration, cpu time.Duration) time.Duration {
	b.Helper()
	if len(lat) == 0 {
		b.Fatal("no latencies measured")
	}
	sorted := slices.Clone(lat)
	slices.Sort(sorted)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	p99 := Percentile(sorted, 99)
	b.ReportMetric(ms(Percentile(sorted, 50)), "p50-ms")
	b.ReportMetric(ms(p99), "p99-ms")
	b.ReportMetric(ms(sorted[len(sorted)-1]), "max-ms")
	b.ReportMetric(float64(cpu.Microseconds())/float64(len(lat)), "cpu-us/interaction")
	return p99
}
