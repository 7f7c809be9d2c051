package digest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

func TestRestartRepostsNothing(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 2, distinct)
	slot := t0.Add(-time.Hour)
	if _, err := e.runner(Config{}).Scheduled(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel}, slot); err != nil {
		t.Fatal(err)
	}
	posted := e.post.Posted()
	e.store.Close()
	e.open(t)
	r := e.runner(Config{})
	if err := r.Resume(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Scheduled(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel}, slot); !errors.Is(err, ErrAlreadyRun) {
		t.Fatalf("same slot after restart: %v, want ErrAlreadyRun", err)
	}
	if _, err := r.Scheduled(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel}, slot.Add(24*time.Hour)); !errors.Is(err, news.ErrNothingNew) {
		t.Fatalf("next slot: %v, want news.ErrNothingNew", err)
	}
	if e.post.Posted() != posted {
		t.Fatalf("restart posted %d more messages", e.post.Posted()-posted)
	}
}

func TestKillBetweenTwoMessages(t *testing.T) {
	// 4 stories: parts 0 (header) to 4. The process dies right after the
	// create of crashAt reached Discord and before it was recorded.
	for _, crashAt := range []int{0, 2, 4} {
		t.Run(fmt.Sprintf("after creating part %d", crashAt), func(t *testing.T) {
			e := newEnv(t)
			e.addItems(t, "feed-a", 4, distinct)
			e.post.crashAt = crashAt
			_, err := e.runner(Config{}).Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
			if !errors.Is(err, errCrash) {
				t.Fatalf("first run: %v, want the crash", err)
			}
			if got := len(e.unseen(t)); got != 0 {
				t.Fatalf("%d items offered while their digest is unfinished, want 0", got)
			}
			// A new process on the same database file.
			e.store.Close()
			e.open(t)
			r := e.runner(Config{})
			if err := r.Resume(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got, want := e.post.Posted(), 1+4; got != want {
				t.Fatalf("messages on Discord: %d, want %d (no part lost or doubled)", got, want)
			}
			if got := len(e.unseen(t)); got != 0 {
				t.Fatalf("%d items still unseen after the resumed digest, want 0", got)
			}
			e.clock.Advance(time.Minute)
			if _, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel}); !errors.Is(err, news.ErrNothingNew) {
				t.Fatalf("after resume: %v, want news.ErrNothingNew (each item delivered once)", err)
			}
			if e.sum.Calls() != 4 || e.post.threads != 1 {
				t.Fatalf("LLM calls %d, threads %d; want 4 and 1 (resume re-summarizes nothing)", e.sum.Calls(), e.post.threads)
			}
		})
	}
}

func TestUndeliverableDigestIsAbandoned(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 2, distinct)
	e.post.undeliverable = true
	r := e.runner(Config{})
	if _, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel}); !errors.Is(err, news.ErrUndeliverable) {
		t.Fatalf("post to a gone channel: %v, want news.ErrUndeliverable", err)
	}
	if un, err := e.store.UnfinishedDigests(context.Background(), channel); err != nil || len(un) != 0 {
		t.Fatalf("unfinished after abandon: %d, %v; want none (not resumed forever)", len(un), err)
	}
	e.post.undeliverable = false
	e.clock.Advance(time.Minute)
	res, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil || len(res.Digest.Stories) != 2 {
		t.Fatalf("after the channel is back: %v, %d stories; want the 2 items again", err, len(res.Digest.Stories))
	}
}

func TestScheduledSlotWithNothingNewRunsOnce(t *testing.T) {
	e := newEnv(t)
	if _, err := e.store.Subscribe(context.Background(), guild, "feed-a", ""); err != nil {
		t.Fatal(err)
	}
	r := e.runner(Config{})
	slot := t0.Add(-time.Hour)
	if _, err := r.Scheduled(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel}, slot); !errors.Is(err, news.ErrNothingNew) {
		t.Fatalf("first: %v, want news.ErrNothingNew", err)
	}
	e.addItems(t, "feed-a", 1, distinct)
	if _, err := r.Scheduled(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel}, slot); !errors.Is(err, ErrAlreadyRun) {
		t.Fatalf("same slot again (a restart within grace): %v, want ErrAlreadyRun", err)
	}
	if e.post.Posted() != 0 || e.sum.Calls() != 0 {
		t.Fatalf("posted %d, LLM calls %d; want none", e.post.Posted(), e.sum.Calls())
	}
}

func TestSchedulerDrivesRunnerOncePerSlot(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 2, distinct)
	r := e.runner(Config{})
	s := NewScheduler(SchedulerConfig{Now: e.clock.Now, Run: r.RunScheduled})
	sched, err := DailyAt("05:00", "UTC") // one hour before t0: missed while down
	if err != nil {
		t.Fatal(err)
	}
	s.Set(news.DigestTarget{GuildID: guild, ChannelID: channel}, sched)
	for restart := range 2 {
		s.CatchUp(e.clock.Now())
		for _, d := range s.Due(e.clock.Now()) {
			s.cfg.Run(context.Background(), d.Target, d.Slot)
		}
		if got := e.post.Posted(); got != 3 {
			t.Fatalf("after start %d: %d messages, want 3 (the missed digest, once)", restart, got)
		}
	}
}
