package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/secbrief/secbrief/digest"
	"github.com/secbrief/secbrief/news"
)

// scheduleStore is what storedSchedules reads (*storage.Store).
type scheduleStore interface {
	DigestSchedules(ctx context.Context, enabledOnly bool) ([]news.DigestSchedule, error)
	GuildDigestSchedules(ctx context.Context, guildID string) ([]news.DigestSchedule, error)
}

// scheduleSetter is the scheduler storedSchedules keeps (*digest.Scheduler).
type scheduleSetter interface {
	Set(t news.DigestTarget, sched cron.Schedule) bool
	Remove(channelID string)
}

// storedSchedules puts the schedules /digest setup stored into the
// scheduler, and keeps them in step with the store: every process of a
// shared store (PostgreSQL) runs every guild's schedules, while /digest
// setup and off change the scheduler of the one process that got the
// command only. Channels of digest.channels (operator) are left alone.
type storedSchedules struct {
	store    scheduleStore
	sched    scheduleSetter
	operator func(channelID string) bool
	log      *slog.Logger

	mu      sync.Mutex
	applied map[string]news.DigestSchedule // by channel: the stored schedule the scheduler runs
}

func newStoredSchedules(store scheduleStore, sched scheduleSetter, operator func(string) bool, log *slog.Logger) *storedSchedules {
	return &storedSchedules{store: store, sched: sched, operator: operator, log: log, applied: map[string]news.DigestSchedule{}}
}

// sync sets the stored enabled schedules that are new or changed since the
// last sync, and removes those no longer stored or enabled. A schedule
// that does not parse is logged and skipped.
func (s *storedSchedules) sync(ctx context.Context) error {
	stored, err := s.store.DigestSchedules(ctx, true)
	if err != nil {
		return fmt.Errorf("load digest schedules: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	for _, st := range stored {
		seen[st.ChannelID] = true
		if old, ok := s.applied[st.ChannelID]; ok && sameSchedule(old, st) {
			continue
		}
		t, sched, err := digest.SetupSchedule(st)
		if err != nil {
			s.log.Error("skip stored digest schedule", "channel_id", st.ChannelID, "err", err)
			continue
		}
		s.sched.Set(t, sched)
		s.applied[st.ChannelID] = st
	}
	for ch := range s.applied {
		if !seen[ch] {
			delete(s.applied, ch)
			if !s.operator(ch) {
				s.sched.Remove(ch)
			}
		}
	}
	return nil
}

// sameSchedule reports whether a and b schedule the same digests.
func sameSchedule(a, b news.DigestSchedule) bool {
	return a.GuildID == b.GuildID && a.Time == b.Time && a.Timezone == b.Timezone
}

// current reports whether slot is still a slot of t's channel as the store
// has it now: another process may have stopped or moved the channel's
// digest since this one last synced. Operator channels always are; a
// store error counts as current (logged), as the schedule was before.
func (s *storedSchedules) current(ctx context.Context, t news.DigestTarget, slot time.Time) bool {
	if s.operator(t.ChannelID) {
		return true
	}
	scheds, err := s.store.GuildDigestSchedules(ctx, t.GuildID)
	if err != nil {
		s.log.Warn("check digest schedule before its slot", "channel_id", t.ChannelID, "err", err)
		return true
	}
	i := slices.IndexFunc(scheds, func(st news.DigestSchedule) bool { return st.ChannelID == t.ChannelID })
	if i < 0 {
		return false
	}
	_, sched, err := digest.SetupSchedule(scheds[i])
	return err == nil && sched.Next(slot.Add(-time.Second)).Equal(slot)
}
