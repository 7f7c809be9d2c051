package digest

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/secbrief/secbrief/storage"
)

// specParser parses 5-field cron specs and descriptors (@daily, @every 30s),
// with an optional CRON_TZ= prefix.
var specParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule parses a configured schedule (digest.channels[].schedule):
// a 5-field cron spec or a descriptor, evaluated in the IANA time zone tz
// (UTC when tz is empty). On the day clocks go back, a wall time that occurs
// twice runs once (at its first occurrence). On the day clocks go forward,
// a cron spec whose time falls in the skipped hour does not run (robfig/cron
// semantics); daily schedules from /digest setup (DailyAt) run instead.
func ParseSchedule(spec, tz string) (cron.Schedule, error) {
	loc, err := location(tz)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return nil, fmt.Errorf("schedule %q: give the time zone separately, not as a prefix", spec)
	}
	sched, err := specParser.Parse("CRON_TZ=" + loc.String() + " " + spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec, err)
	}
	if _, ok := sched.(cron.ConstantDelaySchedule); ok {
		return sched, nil // @every: elapsed time, no wall clock
	}
	return onceADay{inner: sched, loc: loc}, nil
}

// DailyAt is the schedule of /digest setup: every day at local time hhmm
// ("07:30") in tz. On a day when that wall time does not exist (clocks go
// forward across it) the digest runs at the same offset after the jump
// (02:30 becomes 03:30); on a day when it exists twice, at the first.
func DailyAt(hhmm, tz string) (cron.Schedule, error) {
	loc, err := location(tz)
	if err != nil {
		return nil, err
	}
	t, err := time.Parse("15:04", hhmm)
	if err != nil || len(hhmm) != 5 {
		return nil, fmt.Errorf("time %q: want HH:MM (24-hour)", hhmm)
	}
	return daily{hour: t.Hour(), minute: t.Minute(), loc: loc}, nil
}

// SetupSchedule is the target and schedule of a stored /digest setup.
func SetupSchedule(s storage.DigestSchedule) (Target, cron.Schedule, error) {
	sched, err := DailyAt(s.Time, s.Timezone)
	if err != nil {
		return Target{}, nil, fmt.Errorf("digest schedule of channel %s: %w", s.ChannelID, err)
	}
	return Target{GuildID: s.GuildID, ChannelID: s.ChannelID}, sched, nil
}

func location(tz string) (*time.Location, error) {
	if tz == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", tz, err)
	}
	return loc, nil
}

// daily runs once each calendar day at hour:minute local time.
type daily struct {
	hour, minute int
	loc          *time.Location
}

// Next implements cron.Schedule.
func (d daily) Next(t time.Time) time.Time {
	l := t.In(d.loc)
	for i := 0; i < 3; i++ {
		// time.Date normalizes a wall time in a DST gap forward by the
		// gap and picks one instant for a wall time that repeats.
		c := time.Date(l.Year(), l.Month(), l.Day()+i, d.hour, d.minute, 0, 0, d.loc)
		if first, ok := earlierOccurrence(c, d.loc); ok {
			c = first
		}
		if c.After(t) {
			return c
		}
	}
	return time.Time{}
}

// onceADay skips the second occurrence of a wall time that repeats when
// clocks go back, so "30 2 * * *" does not run twice that night.
type onceADay struct {
	inner cron.Schedule
	loc   *time.Location
}

// Next implements cron.Schedule.
func (o onceADay) Next(t time.Time) time.Time {
	n := o.inner.Next(t)
	for i := 0; i < 4 && !n.IsZero(); i++ {
		if _, ok := earlierOccurrence(n, o.loc); !ok {
			break
		}
		n = o.inner.Next(n)
	}
	return n
}

// earlierOccurrence returns the first instant with t's wall time in loc
// when t is the second one (t is in the hour that repeats after clocks went
// back), and reports whether it is.
func earlierOccurrence(t time.Time, loc *time.Location) (time.Time, bool) {
	l := t.In(loc)
	_, off := l.Zone()
	_, before := t.Add(-3 * time.Hour).In(loc).Zone()
	if before <= off {
		return time.Time{}, false
	}
	earlier := t.Add(-time.Duration(before-off) * time.Second)
	e := earlier.In(loc)
	if e.Hour() == l.Hour() && e.Minute() == l.Minute() && e.Day() == l.Day() {
		return earlier, true
	}
	return time.Time{}, false
}
