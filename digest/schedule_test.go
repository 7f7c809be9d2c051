package digest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/secbrief/secbrief/internal/schedule"
	"github.com/secbrief/secbrief/news"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s: %v", name, err)
	}
	return loc
}

func TestSchedulesAcrossTimeZonesAndDST(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name      string
		daily, tz string
		from      string
		want      []string // successive runs, UTC
	}{
		{name: "berlin 07:00 across spring forward", daily: "07:00", tz: "Europe/Berlin", from: "2026-03-28T00:00:00Z",
			want: []string{"2026-03-28T06:00:00Z", "2026-03-29T05:00:00Z", "2026-03-30T05:00:00Z"}},
		{name: "berlin 02:30 on spring-forward day runs at 03:00 CEST", daily: "02:30", tz: "Europe/Berlin", from: "2026-03-28T12:00:00Z",
			want: []string{"2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"}},
		{name: "berlin 02:30 on fall-back day runs once", daily: "02:30", tz: "Europe/Berlin", from: "2026-10-24T12:00:00Z",
			want: []string{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}},
		{name: "new york 01:30 on fall-back day runs once", daily: "01:30", tz: "America/New_York", from: "2025-11-01T12:00:00Z",
			want: []string{"2025-11-02T05:30:00Z", "2025-11-03T06:30:00Z"}},
		{name: "new york 02:30 on spring-forward day runs at 03:00 EDT", daily: "02:30", tz: "America/New_York", from: "2025-03-08T12:00:00Z",
			want: []string{"2025-03-09T07:00:00Z", "2025-03-10T06:30:00Z"}},
		{name: "new york 08:15 across spring forward", daily: "08:15", tz: "America/New_York", from: "2026-03-07T00:00:00Z",
			want: []string{"2026-03-07T13:15:00Z", "2026-03-08T12:15:00Z"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mustLoc(t, tc.tz)
			_, sched, err := SetupSchedule(news.DigestSchedule{ChannelID: "c", Time: tc.daily, Timezone: tc.tz})
			if err != nil {
				t.Fatal(err)
			}
			at := utc(tc.from)
			for i, w := range tc.want {
				at = sched.Next(at)
				if !at.Equal(utc(w)) {
					t.Fatalf("run %d: %s, want %s", i, at.UTC().Format(time.RFC3339), w)
				}
			}
		})
	}
}

// The scheduler, stepped minute by minute through both DST nights, posts
// each channel's digest once a day: the schedules of digest.channels and of
// /digest setup come from the same parser.
func TestSchedulerRunsOncePerDayAcrossDST(t *testing.T) {
	for _, tc := range []struct {
		name, spec, tz string
		from           time.Time
		wantSlot       string // the one slot of that day, UTC
	}{
		{name: "new york cron 30 1 when clocks go back", spec: "30 1 * * *", tz: "America/New_York",
			from: time.Date(2025, 11, 2, 0, 0, 0, 0, time.UTC), wantSlot: "2025-11-02T05:30:00Z"},
		{name: "new york cron 30 2 when clocks go forward", spec: "30 2 * * *", tz: "America/New_York",
			from: time.Date(2025, 3, 9, 0, 0, 0, 0, time.UTC), wantSlot: "2025-03-09T07:00:00Z"},
		{name: "berlin cron 30 2 when clocks go back", spec: "30 2 * * *", tz: "Europe/Berlin",
			from: time.Date(2025, 10, 25, 20, 0, 0, 0, time.UTC), wantSlot: "2025-10-26T00:30:00Z"},
		{name: "berlin setup 02:30 when clocks go forward", tz: "Europe/Berlin",
			from: time.Date(2025, 3, 29, 20, 0, 0, 0, time.UTC), wantSlot: "2025-03-30T01:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustLoc(t, tc.tz)
			var sched cron.Schedule
			var err error
			if tc.spec != "" {
				sched, err = schedule.Parse(tc.spec, tc.tz) // as config.DigestChannel.Cron

			} else {
				sched, err = DailyAt("02:30", tc.tz)
			}
			if err != nil {
				t.Fatal(err)
			}
			c := &testClock{t: tc.from}
			s := NewScheduler(SchedulerConfig{Now: c.Now, Run: func(context.Context, news.DigestTarget, time.Time) {}})
			s.Set(news.DigestTarget{GuildID: "g", ChannelID: "c"}, sched)
			var slots []string
			for range 12 * 60 {
				c.Advance(time.Minute)
				for _, d := range s.Due(c.Now()) {
					slots = append(slots, d.Slot.UTC().Format(time.RFC3339))
				}
			}
			if len(slots) != 1 || slots[0] != tc.wantSlot {
				t.Fatalf("slots over 12 h = %v, want [%s]", slots, tc.wantSlot)
			}
		})
	}
}

func TestScheduleErrors(t *testing.T) {
	for _, tc := range []struct{ name, daily, tz string }{
		{name: "bad zone", daily: "07:00", tz: "Mars/Olympus"},
		{name: "host zone", daily: "07:00", tz: "Local"},
		{name: "bad time", daily: "7:00", tz: "UTC"},
		{name: "hour 24", daily: "24:00", tz: "UTC"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := SetupSchedule(news.DigestSchedule{ChannelID: "c", Time: tc.daily, Timezone: tc.tz}); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestSchedulerDueCatchUpAndShard(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	c := &testClock{t: time.Date(2026, 3, 29, 9, 0, 0, 0, berlin)} // bot starts at 09:00, 07:00 was missed
	s := NewScheduler(SchedulerConfig{Now: c.Now, Grace: 6 * time.Hour, Run: func(context.Context, news.DigestTarget, time.Time) {},
		InShard: func(g string) bool { return g != "other-shard" }})
	seven, _ := DailyAt("07:00", "Europe/Berlin")
	early, _ := DailyAt("01:00", "Europe/Berlin") // 8h ago: beyond grace
	if !s.Set(news.DigestTarget{GuildID: "g", ChannelID: "a"}, seven) || !s.Set(news.DigestTarget{GuildID: "g", ChannelID: "b"}, early) {
		t.Fatal("Set refused an in-shard guild")
	}
	if s.Set(news.DigestTarget{GuildID: "other-shard", ChannelID: "x"}, seven) {
		t.Fatal("Set scheduled a guild of another shard")
	}
	if got := s.Due(c.Now()); len(got) != 0 {
		t.Fatalf("before CatchUp: %v due, want none", got)
	}
	s.CatchUp(c.Now())
	due := s.Due(c.Now())
	if len(due) != 1 || due[0].Target.ChannelID != "a" || !due[0].Slot.Equal(time.Date(2026, 3, 29, 7, 0, 0, 0, berlin)) {
		t.Fatalf("due after start = %+v, want channel a at 07:00 (01:00 is beyond grace)", due)
	}
	if got := s.Due(c.Now()); len(got) != 0 {
		t.Fatalf("due twice: %v", got)
	}
	if want := time.Date(2026, 3, 30, 7, 0, 0, 0, berlin); !s.Next("a").Equal(want) {
		t.Fatalf("Next(a) = %v, want %v", s.Next("a"), want)
	}
	c.Advance(22 * time.Hour) // 2026-03-30 07:00
	due = s.Due(c.Now())
	if len(due) != 2 {
		t.Fatalf("next morning: %+v, want a and b", due)
	}
	s.Remove("a")
	if !s.Next("a").IsZero() {
		t.Fatal("Next after Remove is not zero")
	}
}

func TestSchedulerStartRunsMissedDigest(t *testing.T) {
	c := &testClock{t: time.Date(2026, 7, 5, 9, 0, 0, 0, time.UTC)}
	var mu sync.Mutex
	ran := make(chan Due, 4)
	s := NewScheduler(SchedulerConfig{Now: c.Now, Run: func(_ context.Context, tg news.DigestTarget, slot time.Time) {
		mu.Lock()
		defer mu.Unlock()
		ran <- Due{tg, slot}
	}})
	sched, _ := DailyAt("07:00", "UTC")
	s.Set(news.DigestTarget{GuildID: "g", ChannelID: "a"}, sched)
	s.Start(context.Background())
	select {
	case d := <-ran:
		if d.Slot.Hour() != 7 {
			t.Fatalf("ran slot %v, want 07:00", d.Slot)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("missed digest not run on start")
	}
	s.Stop()
}
