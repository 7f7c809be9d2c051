package config

import (
	"testing"
	"time"
)

// digest.channels schedules go through the one schedule parser: a wall
// time that repeats when clocks go back runs once, one skipped when they go
// forward runs at the first valid minute after it.
func TestCronAcrossDaylightSaving(t *testing.T) {
	for _, tc := range []struct {
		name string
		ch   DigestChannel
		from string
		want []string
	}{
		{name: "new york 01:30 when clocks go back", ch: DigestChannel{Schedule: "30 1 * * *", Timezone: "America/New_York"},
			from: "2025-11-02T00:00:00Z", want: []string{"2025-11-02T05:30:00Z", "2025-11-03T06:30:00Z"}},
		{name: "new york 02:30 when clocks go forward", ch: DigestChannel{Schedule: "30 2 * * *", Timezone: "America/New_York"},
			from: "2025-03-09T00:00:00Z", want: []string{"2025-03-09T07:00:00Z", "2025-03-10T06:30:00Z"}},
		{name: "berlin 02:30 when clocks go back", ch: DigestChannel{Schedule: "30 2 * * *", Timezone: "Europe/Berlin"},
			from: "2025-10-25T20:00:00Z", want: []string{"2025-10-26T00:30:00Z", "2025-10-27T01:30:00Z"}},
		{name: "berlin 02:30 when clocks go forward", ch: DigestChannel{Schedule: "30 2 * * *", Timezone: "Europe/Berlin"},
			from: "2025-03-29T20:00:00Z", want: []string{"2025-03-30T01:00:00Z", "2025-03-31T00:30:00Z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := time.LoadLocation(tc.ch.Timezone); err != nil {
				t.Skip("no tzdata:", err)
			}
			sched, err := tc.ch.Cron()
			if err != nil {
				t.Fatal(err)
			}
			at, _ := time.Parse(time.RFC3339, tc.from)
			for i, w := range tc.want {
				at = sched.Next(at)
				if got := at.UTC().Format(time.RFC3339); got != w {
					t.Fatalf("run %d: %s, want %s", i, got, w)
				}
			}
		})
	}
}
