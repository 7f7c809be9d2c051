// Package schedule is the one parser of digest schedules: the cron specs of
// digest.channels and the daily times of /digest setup. Every schedule is
// evaluated on the wall clock of its time zone, with one rule for the two
// nights a year when that clock is not continuous: a wall time that occurs
// twice (clocks go back) runs once, at its first occurrence, and a wall
// time that does not occur (clocks go forward) runs at the first valid
// minute after it.
package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// parser reads 5-field cron specs and descriptors (@daily, "@every 6h").
// Zone prefixes are refused before it sees a spec: the zone is given
// separately, and a bare "TZ=x" panics in cron's parser.
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Parse parses spec (5-field cron or a descriptor) to run in the IANA time
// zone tz (UTC when empty). "@every" runs on elapsed time, so it ignores
// the zone; every other spec follows the package's wall-clock rule.
func Parse(spec, tz string) (cron.Schedule, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, fmt.Errorf("empty schedule")
	}
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return nil, fmt.Errorf("schedule %q: set the zone with timezone, not TZ=", spec)
	}
	loc, err := Location(tz)
	if err != nil {
		return nil, err
	}
	// Matched against wall times written as UTC instants (see wall).
	sched, err := parser.Parse("CRON_TZ=UTC " + spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec, err)
	}
	if _, ok := sched.(cron.ConstantDelaySchedule); ok {
		return sched, nil
	}
	return onWallClock{spec: sched, loc: loc}, nil
}

// Daily parses hhmm ("07:30", 24-hour) as a schedule that runs every day at
// that time in tz: the schedule of /digest setup.
func Daily(hhmm, tz string) (cron.Schedule, error) {
	t, err := time.Parse("15:04", hhmm)
	if err != nil || len(hhmm) != 5 {
		return nil, fmt.Errorf("time %q: want HH:MM (24-hour)", hhmm)
	}
	return Parse(fmt.Sprintf("%d %d * * *", t.Minute(), t.Hour()), tz)
}

// Location returns the IANA time zone tz; empty is UTC. "Local" is
// refused: it would make a digest's time depend on the host.
func Location(tz string) (*time.Location, error) {
	switch tz {
	case "", "UTC":
		return time.UTC, nil
	case "Local":
		return nil, fmt.Errorf("time zone %q is not allowed: name an IANA zone such as Europe/Paris", tz)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", tz)
	}
	return loc, nil
}

// onWallClock runs spec on loc's wall clock.
type onWallClock struct {
	spec cron.Schedule // matches wall times written as UTC instants
	loc  *time.Location
}

// Next implements cron.Schedule: the first run strictly after t.
func (s onWallClock) Next(t time.Time) time.Time {
	w := wall(t.In(s.loc))
	// A wall time whose first occurrence is at or before t has run (or was
	// due) already: look further. Two rounds cover the repeated hour.
	for range 4 {
		w = s.spec.Next(w)
		if w.IsZero() {
			return time.Time{}
		}
		if at := s.instant(w); at.After(t) {
			return at.In(t.Location())
		}
	}
	return time.Time{}
}

// wall writes t's wall clock reading as a UTC instant, where every minute
// of every day exists exactly once.
func wall(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// instant returns the first instant at which loc's clock reads w, or, when
// it never does (w is in the hour skipped when clocks go forward), the
// instant the clock jumped past it.
func (s onWallClock) instant(w time.Time) time.Time {
	// The offsets in force a day either side bound those near w (zones
	// change offset at most once in two days).
	_, before := w.Add(-26 * time.Hour).In(s.loc).Zone()
	_, after := w.Add(26 * time.Hour).In(s.loc).Zone()
	var first time.Time
	for _, off := range []int{before, after} {
		at := w.Add(-time.Duration(off) * time.Second)
		if wall(at.In(s.loc)).Equal(w) && (first.IsZero() || at.Before(first)) {
			first = at
		}
	}
	if !first.IsZero() {
		return first
	}
	// In the gap: read with the old offset, w names an instant after the
	// jump; the zone in force then began at the jump.
	start, _ := w.Add(-time.Duration(before) * time.Second).In(s.loc).ZoneBounds()
	return start
}
