package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/storage"
)

// recordingScheduler records the scheduler calls of storedSchedules.
type recordingScheduler struct{ calls []string }

func (r *recordingScheduler) Set(t news.DigestTarget, _ cron.Schedule) bool {
	r.calls = append(r.calls, "set "+t.ChannelID)
	return true
}

func (r *recordingScheduler) Remove(channelID string) { r.calls = append(r.calls, "remove "+channelID) }

// take returns the calls since the last take.
func (r *recordingScheduler) take() []string {
	c := r.calls
	r.calls = nil
	return c
}

// TestDigestSchedulesSyncWithTheStore: a process follows the /digest setup
// and off that another process stored: new and changed schedules are set,
// stopped ones removed (not digest.channels'), unchanged ones left alone;
// and a slot is run only while it is still one of its channel's schedule.
func TestDigestSchedulesSyncWithTheStore(t *testing.T) {
	ctx := context.Background()
	st, err := storage.Open(ctx, filepath.Join(t.TempDir(), "db.sqlite"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	put := func(channel, at string, enabled bool) {
		t.Helper()
		if err := st.PutDigestSchedule(ctx, news.DigestSchedule{GuildID: "g", ChannelID: channel, Time: at,
			Timezone: "UTC", Enabled: enabled, CreatedBy: "u"}); err != nil {
			t.Fatal(err)
		}
	}
	rec := &recordingScheduler{}
	s := newStoredSchedules(st, rec, func(ch string) bool { return ch == "op" }, slog.New(slog.DiscardHandler))
	sync := func(want ...string) {
		t.Helper()
		if err := s.sync(ctx); err != nil {
			t.Fatal(err)
		}
		if got := rec.take(); !slices.Equal(got, want) {
			t.Fatalf("scheduler calls %q, want %q", got, want)
		}
	}
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	current := func(channel string, slot time.Time) bool {
		return s.current(ctx, news.DigestTarget{GuildID: "g", ChannelID: channel}, slot)
	}

	put("c1", "07:00", true)
	put("op", "06:00", true)
	sync("set c1", "set op")
	sync() // nothing changed
	if !current("c1", day.Add(7*time.Hour)) {
		t.Error("07:00 slot of a 07:00 schedule not current")
	}

	put("c1", "08:00", true) // another process moved it
	if current("c1", day.Add(7*time.Hour)) {
		t.Error("07:00 slot current after the schedule moved to 08:00")
	}
	if !current("c1", day.Add(8*time.Hour)) {
		t.Error("08:00 slot not current")
	}
	sync("set c1")

	if _, err := st.DisableDigestSchedules(ctx, "g"); err != nil { // another process ran /digest off
		t.Fatal(err)
	}
	if current("c1", day.Add(8*time.Hour)) {
		t.Error("slot of a stopped schedule still current")
	}
	if !current("op", day.Add(5*time.Hour)) {
		t.Error("a digest.channels channel is not current")
	}
	sync("remove c1") // op is the operator's: kept
	sync()
}

// TestSharedDigestSkipsAStaleSlot: with a shared store, a due slot whose
// schedule another process moved is not run (the digests have no runner
// here: running it would panic), and the moved schedule is synced at once.
func TestSharedDigestSkipsAStaleSlot(t *testing.T) {
	ctx := context.Background()
	st, err := storage.Open(ctx, filepath.Join(t.TempDir(), "db.sqlite"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	put := func(at string) {
		t.Helper()
		if err := st.PutDigestSchedule(ctx, news.DigestSchedule{GuildID: "g", ChannelID: "c1", Time: at,
			Timezone: "UTC", Enabled: true, CreatedBy: "u"}); err != nil {
			t.Fatal(err)
		}
	}
	rec := &recordingScheduler{}
	logger := slog.New(slog.DiscardHandler)
	d := &digests{shared: true, log: logger, stored: newStoredSchedules(st, rec, func(string) bool { return false }, logger)}
	put("07:00")
	if err := d.stored.sync(ctx); err != nil {
		t.Fatal(err)
	}
	rec.take()
	put("08:00") // another process moved it
	d.run(ctx, news.DigestTarget{GuildID: "g", ChannelID: "c1"}, time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC))
	if got := rec.take(); !slices.Equal(got, []string{"set c1"}) {
		t.Errorf("scheduler calls %q after the stale slot, want the moved schedule set", got)
	}
}
