package schedule

import (
	"testing"
	"time"
)

func utc(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// New York changes at 02:00 local (2025-03-09, 2025-11-02), Berlin at 02:00
// CET / 03:00 CEST (2025-03-30, 2025-10-26).
func TestNextAcrossDaylightSaving(t *testing.T) {
	tests := []struct {
		name     string
		daily    string // Daily time, or "" to Parse spec
		spec, tz string
		from     string
		want     []string // successive runs, UTC
	}{
		{name: "new york 01:30 runs once when clocks go back", spec: "30 1 * * *", tz: "America/New_York", from: "2025-11-01T12:00:00Z",
			want: []string{"2025-11-02T05:30:00Z", "2025-11-03T06:30:00Z"}},
		{name: "new york 01:30 asked from inside the repeated hour", spec: "30 1 * * *", tz: "America/New_York", from: "2025-11-02T06:00:00Z",
			want: []string{"2025-11-03T06:30:00Z"}},
		{name: "new york hourly skips the repeated hour's second pass", spec: "0 * * * *", tz: "America/New_York", from: "2025-11-02T04:30:00Z",
			want: []string{"2025-11-02T05:00:00Z", "2025-11-02T07:00:00Z", "2025-11-02T08:00:00Z"}},
		{name: "new york 02:30 skipped in spring runs at 03:00", spec: "30 2 * * *", tz: "America/New_York", from: "2025-03-08T12:00:00Z",
			want: []string{"2025-03-09T07:00:00Z", "2025-03-10T06:30:00Z"}},
		{name: "new york quarter hours through the gap run once at 03:00", spec: "*/15 * * * *", tz: "America/New_York", from: "2025-03-09T06:40:00Z",
			want: []string{"2025-03-09T06:45:00Z", "2025-03-09T07:00:00Z", "2025-03-09T07:15:00Z"}},
		{name: "new york daily 02:00 on spring day", daily: "02:00", tz: "America/New_York", from: "2025-03-08T12:00:00Z",
			want: []string{"2025-03-09T07:00:00Z", "2025-03-10T06:00:00Z"}},
		{name: "new york daily 01:59 when clocks go back", daily: "01:59", tz: "America/New_York", from: "2025-11-01T12:00:00Z",
			want: []string{"2025-11-02T05:59:00Z", "2025-11-03T06:59:00Z"}},
		{name: "berlin 02:30 runs once when clocks go back", spec: "30 2 * * *", tz: "Europe/Berlin", from: "2025-10-25T12:00:00Z",
			want: []string{"2025-10-26T00:30:00Z", "2025-10-27T01:30:00Z"}},
		{name: "berlin daily 02:30 runs once when clocks go back", daily: "02:30", tz: "Europe/Berlin", from: "2025-10-25T12:00:00Z",
			want: []string{"2025-10-26T00:30:00Z", "2025-10-27T01:30:00Z"}},
		{name: "berlin 02:30 skipped in spring runs at 03:00", spec: "30 2 * * *", tz: "Europe/Berlin", from: "2025-03-29T12:00:00Z",
			want: []string{"2025-03-30T01:00:00Z", "2025-03-31T00:30:00Z"}},
		{name: "berlin daily 02:45 skipped in spring runs at 03:00", daily: "02:45", tz: "Europe/Berlin", from: "2025-03-29T12:00:00Z",
			want: []string{"2025-03-30T01:00:00Z", "2025-03-31T00:45:00Z"}},
		{name: "berlin 07:00 across spring forward", daily: "07:00", tz: "Europe/Berlin", from: "2025-03-29T00:00:00Z",
			want: []string{"2025-03-29T06:00:00Z", "2025-03-30T05:00:00Z", "2025-03-31T05:00:00Z"}},
		{name: "berlin @daily across autumn", spec: "@daily", tz: "Europe/Berlin", from: "2025-10-25T12:00:00Z",
			want: []string{"2025-10-25T22:00:00Z", "2025-10-26T23:00:00Z"}},
		{name: "new york @daily", spec: "@daily", tz: "America/New_York", from: "2025-07-01T00:00:00Z",
			want: []string{"2025-07-01T04:00:00Z", "2025-07-02T04:00:00Z"}},
		{name: "@every is elapsed time through the repeated hour", spec: "@every 30m", tz: "America/New_York", from: "2025-11-02T05:10:00Z",
			want: []string{"2025-11-02T05:40:00Z", "2025-11-02T06:10:00Z", "2025-11-02T06:40:00Z"}},
		{name: "utc by default, weekdays", spec: "0 9 * * 1-5", from: "2025-07-04T10:00:00Z",
			want: []string{"2025-07-07T09:00:00Z"}},
		{name: "surrounding spaces", spec: " 0 9 * * * ", tz: "UTC", from: "2025-07-04T10:00:00Z",
			want: []string{"2025-07-05T09:00:00Z"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.tz != "" {
				if _, err := time.LoadLocation(tc.tz); err != nil {
					t.Skipf("no tzdata for %s: %v", tc.tz, err)
				}
			}
			var next interface{ Next(time.Time) time.Time }
			var err error
			if tc.daily != "" {
				next, err = Daily(tc.daily, tc.tz)
			} else {
				next, err = Parse(tc.spec, tc.tz)
			}
			if err != nil {
				t.Fatal(err)
			}
			at := utc(t, tc.from)
			for i, w := range tc.want {
				at = next.Next(at)
				if !at.Equal(utc(t, w)) {
					t.Fatalf("run %d: %s, want %s", i, at.UTC().Format(time.RFC3339), w)
				}
			}
		})
	}
}

// Every minute of two DST nights: each wall time of the spec runs exactly
// once, and runs never go backwards.
func TestEachDayRunsOnce(t *testing.T) {
	for _, tz := range []string{"America/New_York", "Europe/Berlin", "Australia/Lord_Howe"} {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			t.Skipf("no tzdata for %s", tz)
		}
		for _, spec := range []string{"0 1 * * *", "30 1 * * *", "0 2 * * *", "30 2 * * *", "59 2 * * *", "0 3 * * *"} {
			sched, err := Parse(spec, tz)
			if err != nil {
				t.Fatal(err)
			}
			at := time.Date(2025, 1, 1, 12, 0, 0, 0, loc)
			perDay := map[string]int{}
			for range 365 {
				next := sched.Next(at)
				if !next.After(at) {
					t.Fatalf("%s %s: Next(%v) = %v, not after", tz, spec, at, next)
				}
				at = next
				perDay[at.In(loc).Format(time.DateOnly)]++
			}
			for day, n := range perDay {
				if n != 1 {
					t.Errorf("%s %q: %d runs on %s", tz, spec, n, day)
				}
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, daily, spec, tz string }{
		{name: "bad zone", daily: "07:00", tz: "Mars/Olympus"},
		{name: "host zone", spec: "@daily", tz: "Local"},
		{name: "bad time", daily: "7:00", tz: "UTC"},
		{name: "hour 24", daily: "24:00", tz: "UTC"},
		{name: "empty", spec: "  "},
		{name: "bad spec", spec: "61 * * * *"},
		{name: "six fields", spec: "0 0 9 * * *"},
		{name: "zone prefix", spec: "CRON_TZ=UTC 0 9 * * *"},
		{name: "bare TZ", spec: "TZ=x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.daily != "" {
				_, err = Daily(tc.daily, tc.tz)
			} else {
				_, err = Parse(tc.spec, tc.tz)
			}
			if err == nil {
				t.Fatal("no error")
			}
		})
	}
}
