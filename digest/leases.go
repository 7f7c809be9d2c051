package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/secbrief/secbrief/news"
)

// Processes sharing a store (PostgreSQL) share the digests too: every one
// schedules every channel, and claims decide who does what.
//
//   - A scheduled slot is prepared (poll, summarize, record) by the process
//     that claims the job slotKey(channel, slot); the others skip it and
//     watch the claim: when its holder dies before recording the digest,
//     its lease lapses and one of them takes the slot over.
//   - A recorded digest is posted by the owner of its lease: the process
//     that recorded it, renewing the lease with each part, or, when that
//     process died mid-post, the one that takes it over once the lease
//     lapsed (TakeOver). The parts the dead process posted are skipped and
//     every part carries its nonce, so nothing is posted twice.
//
// With SQLite (Config.Shared false) the shard rule gives each guild one
// process: slots are not claimed and a restarted process resumes its dead
// predecessor's digests at once, as it always did; the leases are kept all
// the same.

// Errors callers branch on.
var (
	// ErrClaimed: another process holds the slot's claim and prepares its
	// digest; RunScheduled waits for it to finish or die.
	ErrClaimed = errors.New("another process is preparing this digest")
	// ErrBusy: a digest of the channel is being posted by another process.
	// It is news.ErrDigestBusy, which commands tell users about.
	ErrBusy = news.ErrDigestBusy
	// errStoppedWaiting: RunScheduled stopped waiting for another process
	// because ctx ended.
	errStoppedWaiting = errors.New("stopped waiting for another process")
)

// slotKey names the job of preparing channelID's digest for slot.
func slotKey(channelID, slot string) string {
	return "digest:" + channelID + ":" + slot
}

// claimSlot claims the job key for this process: nil when it holds it,
// ErrClaimed when another process does. With takeover it only takes a
// claim over from a holder whose lease lapsed, and reports ErrAlreadyRun
// when nobody holds the claim any more (its holder recorded the digest, or
// failed and gave up the slot as a lone process would).
func (r *Runner) claimSlot(ctx context.Context, key string, takeover bool) error {
	var ok bool
	var err error
	if takeover {
		ok, err = r.cfg.Store.TakeOverClaim(ctx, key)
		if errors.Is(err, news.ErrNotFound) {
			return ErrAlreadyRun
		}
	} else {
		ok, err = r.cfg.Store.Claim(ctx, key)
	}
	if err != nil {
		return err
	}
	if !ok {
		return ErrClaimed
	}
	return nil
}

// holdSlot claims the slot job key (see claimSlot) and keeps renewing it
// while the slot is prepared, however long the LLM takes. The returned
// release stops the renewals and gives the claim up, once however often
// it is called, even when ctx has ended (a process shutting down lets
// another start again at once).
func (r *Runner) holdSlot(ctx context.Context, key string, takeover bool, log *slog.Logger) (release func(), err error) {
	if err := r.claimSlot(ctx, key, takeover); err != nil {
		return nil, err
	}
	stop := r.keep(ctx, log, func(ctx context.Context) (bool, error) { return r.cfg.Store.Claim(ctx, key) })
	return sync.OnceFunc(func() {
		stop() // first: a renewal after the release would claim the slot anew
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := r.cfg.Store.Release(ctx, key); err != nil {
			log.Warn("release digest slot claim", "key", key, "err", err)
		}
	}), nil
}

// keep renews a claim or lease (renew) every third of a lease until the
// returned stop is called (or renew reports it lost), so a slow but live
// process keeps its work. A failed renewal is logged; a lost digest lease
// is noticed, and logged, by the post at its next part.
func (r *Runner) keep(ctx context.Context, log *slog.Logger, renew func(context.Context) (bool, error)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for r.cfg.Sleep(ctx, r.cfg.Lease/3) == nil {
			ok, err := renew(ctx)
			if err != nil && ctx.Err() == nil {
				log.Warn("renew digest claim", "err", err)
			}
			if err == nil && !ok {
				return
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// awaitSlot is RunScheduled's wait after Scheduled answered err: ErrClaimed
// (another process prepares the slot) or ErrBusy (another process posts
// the channel's previous digest). Every half lease it tries again: a
// claimed slot is only taken over once its holder's lease lapsed (the
// holder died before recording the digest), and is done when the holder
// gave the claim up (ErrAlreadyRun: it recorded the slot, or failed as a
// lone process would); after ErrBusy the slot is claimed as usual. It
// returns the last run's outcome, an error wrapping errStoppedWaiting
// when ctx ended, or one wrapping err once the slot is older than
// MaxUnfinishedAge.
func (r *Runner) awaitSlot(ctx context.Context, t news.DigestTarget, slot time.Time, err error, log *slog.Logger) (news.DigestResult, error) {
	for {
		mode := runScheduled
		switch {
		case errors.Is(err, ErrClaimed):
			mode = runTakeOver
		case !errors.Is(err, ErrBusy):
			return news.DigestResult{}, err
		}
		if age := r.cfg.Now().Sub(slot); age > r.cfg.MaxUnfinishedAge {
			return news.DigestResult{}, fmt.Errorf("gave up on slot %s after %s: %w",
				slot.UTC().Format(time.RFC3339), age.Round(time.Minute), err)
		}
		if serr := r.cfg.Sleep(ctx, r.cfg.Lease/2); serr != nil {
			return news.DigestResult{}, fmt.Errorf("%w: %w", errStoppedWaiting, serr)
		}
		var res news.DigestResult
		res, err = r.run(ctx, t, slot.UTC().Format(time.RFC3339), mode, location(t, slot))
		if err == nil && mode == runTakeOver {
			log.Info("digest slot taken over from a process that stopped")
		}
		if !errors.Is(err, ErrClaimed) && !errors.Is(err, ErrBusy) {
			return res, err
		}
	}
}

// TakeOver resumes the unfinished digests whose process died (or hung)
// while posting them, once their lease lapsed, of the guilds in this shard
// (Config.InShard). Call it every lease or so; a digest another process
// takes first is left to it. Like Resume, it returns only the errors of
// digests that stay to be resumed.
func (r *Runner) TakeOver(ctx context.Context) error {
	runs, err := r.cfg.Store.OrphanedDigests(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, run := range runs {
		if !r.cfg.InShard(run.GuildID) {
			continue
		}
		r.log.Info("taking over a digest whose process stopped", "digest_id", run.ID, "guild_id", run.GuildID,
			"channel_id", run.ChannelID, "slot", run.Slot, "parts_posted", len(run.Parts))
		unlock := r.lock(run.ChannelID)
		err := r.resume(ctx, run)
		unlock()
		if err != nil && !errors.Is(err, ErrAbandoned) && !errors.Is(err, ErrBusy) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
