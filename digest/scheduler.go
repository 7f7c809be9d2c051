package digest

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/secbrief/secbrief/internal/defaults"
	"github.com/secbrief/secbrief/news"
)

// DefaultGrace is how late a missed digest may still be posted
// (digest.grace's default).
const DefaultGrace = defaults.DigestGrace

// SchedulerConfig wires a Scheduler. Run is required.
type SchedulerConfig struct {
	// Run posts t's digest for slot (typically Runner.Scheduled, whose slot
	// uniqueness makes a slot run at most once even across restarts).
	Run func(ctx context.Context, t news.DigestTarget, slot time.Time)
	// InShard reports whether a guild belongs to this process's shard;
	// nil means every guild does.
	InShard func(guildID string) bool
	Grace   time.Duration
	Now     func() time.Time
	Logger  *slog.Logger
}

// Due is a digest to run now.
type Due struct {
	Target news.DigestTarget
	Slot   time.Time // the scheduled instant
}

type entry struct {
	target news.DigestTarget
	sched  cron.Schedule
	next   time.Time
}

// Scheduler runs each channel's digest on its schedule. Due computes, for
// an injected time, what is due, so the logic is tested without waiting;
// Start runs it on the wall clock.
type Scheduler struct {
	cfg SchedulerConfig
	log *slog.Logger

	mu      sync.Mutex
	entries map[string]*entry // by channel id
	wake    chan struct{}
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// NewScheduler returns a stopped Scheduler with defaults for zero fields.
func NewScheduler(cfg SchedulerConfig) *Scheduler {
	if cfg.Grace <= 0 {
		cfg.Grace = DefaultGrace
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.InShard == nil {
		cfg.InShard = func(string) bool { return true }
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{cfg: cfg, log: log, entries: map[string]*entry{}, wake: make(chan struct{}, 1)}
}

// Set schedules (or reschedules) t's digest, the next run being the first
// slot after now. It reports false, and schedules nothing, when t's guild
// is not in this shard.
func (s *Scheduler) Set(t news.DigestTarget, sched cron.Schedule) bool {
	if !s.cfg.InShard(t.GuildID) {
		return false
	}
	s.mu.Lock()
	s.entries[t.ChannelID] = &entry{target: t, sched: sched, next: sched.Next(s.cfg.Now())}
	s.mu.Unlock()
	s.poke()
	return true
}

// Remove stops the channel's digests.
func (s *Scheduler) Remove(channelID string) {
	s.mu.Lock()
	delete(s.entries, channelID)
	s.mu.Unlock()
	s.poke()
}

// Next is the channel's next scheduled run (zero when it has none).
func (s *Scheduler) Next(channelID string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.entries[channelID]; ok {
		return e.next
	}
	return time.Time{}
}

// CatchUp makes each schedule's slots since now minus the grace window
// due, so digests missed while the bot was down are posted (the latest
// missed slot of each channel, once). Start calls it.
func (s *Scheduler) CatchUp(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.entries {
		if n := e.sched.Next(now.Add(-s.cfg.Grace)); !n.IsZero() && n.Before(e.next) {
			e.next = n
		}
	}
}

// Due returns the digests due at now, one per channel (the latest slot not
// after now, if it is within the grace window), ordered by channel, and
// moves each of those channels to its next slot after now.
func (s *Scheduler) Due(now time.Time) []Due {
	s.mu.Lock()
	defer s.mu.Unlock()
	var due []Due
	for _, e := range s.entries {
		if e.next.IsZero() || e.next.After(now) {
			continue
		}
		slot := e.next
		for i := 0; i < 100000; i++ {
			n := e.sched.Next(slot)
			if n.IsZero() || n.After(now) {
				break
			}
			slot = n
		}
		if now.Sub(slot) <= s.cfg.Grace {
			due = append(due, Due{Target: e.target, Slot: slot})
		} else {
			s.log.Warn("digest slot missed beyond grace", "channel_id", e.target.ChannelID, "slot", slot)
		}
		e.next = e.sched.Next(now)
	}
	slices.SortFunc(due, func(a, b Due) int { return cmp.Compare(a.Target.ChannelID, b.Target.ChannelID) })
	return due
}

// Start catches up on missed slots and runs due digests on the wall clock
// until Stop or ctx ends. Each run goes in its own goroutine, so a slow
// digest delays no other channel.
func (s *Scheduler) Start(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	s.cancel = cancel
	s.CatchUp(s.cfg.Now())
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			for _, d := range s.Due(s.cfg.Now()) {
				s.wg.Add(1)
				go func() {
					defer s.wg.Done()
					s.cfg.Run(ctx, d.Target, d.Slot)
				}()
			}
			timer := time.NewTimer(s.sleep())
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case <-s.wake:
			case <-timer.C:
			}
			timer.Stop()
		}
	}()
}

// Stop stops the loop and waits for running digests to return.
func (s *Scheduler) Stop() {
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
}

// sleep is how long the loop may wait: until the earliest next run, at
// most a minute (so a changed wall clock is noticed).
func (s *Scheduler) sleep() time.Duration {
	now := s.cfg.Now()
	wait := time.Minute
	s.mu.Lock()
	for _, e := range s.entries {
		if !e.next.IsZero() {
			wait = min(wait, e.next.Sub(now))
		}
	}
	s.mu.Unlock()
	return max(wait, 0)
}

func (s *Scheduler) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
