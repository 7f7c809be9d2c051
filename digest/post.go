package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"github.com/secbrief/secbrief/news"
)

// resume claims an unfinished digest's lease and posts the rest of it, or
// abandons it without trying when it is too old or out of attempts. The
// returned error wraps ErrAbandoned when the digest was given up, and
// ErrBusy when it is finished after all or, with a shared store, another
// process holds its lease (it is posting it). Without a shared store the
// lease of a predecessor is no obstacle (Config.Shared).
func (r *Runner) resume(ctx context.Context, run news.DigestRun) error {
	ok, err := r.cfg.Store.ClaimDigest(ctx, run.ID)
	if err == nil && !ok && !r.cfg.Shared {
		ok, err = r.cfg.Store.TakeDigest(ctx, run.ID)
	}
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("digest %d: %w", run.ID, ErrBusy)
	}
	if age := r.cfg.Now().Sub(run.CreatedAt); age > r.cfg.MaxUnfinishedAge {
		return r.abandon(ctx, run, fmt.Sprintf("unfinished for %s, more than %s", age.Round(time.Minute), r.cfg.MaxUnfinishedAge), nil)
	}
	if run.Attempts >= r.cfg.MaxPostAttempts {
		return r.abandon(ctx, run, fmt.Sprintf("%d failed attempts", run.Attempts), nil)
	}
	_, err = r.post(ctx, run)
	return err
}

// errLeaseLost: another process took over the digest being posted (this
// one seemed dead: its lease lapsed).
var errLeaseLost = fmt.Errorf("digest lease lost: %w", ErrBusy)

// post posts a recorded digest whose lease this process holds, skipping
// its parts already posted, and records each part; the last part's record
// delivers the items. The lease is renewed with each part (and in between
// while a part is slow); when another process took the digest over, post
// stops before the next part and returns an error wrapping ErrBusy.
func (r *Runner) post(ctx context.Context, run news.DigestRun) (news.DigestResult, error) {
	log := r.log.With("digest_id", run.ID, "guild_id", run.GuildID, "channel_id", run.ChannelID)
	stop := r.keep(ctx, log, func(ctx context.Context) (bool, error) { return r.cfg.Store.ClaimDigest(ctx, run.ID) })
	delivered := false
	parts := maps.Clone(run.Parts) // index → message id, of every attempt
	if parts == nil {
		parts = map[int]string{}
	}
	thread, err := r.cfg.Poster.PostDigest(ctx, run.Digest, digestKey(run.ID), run.Parts, func(p news.DigestPart) error {
		if err := r.cfg.Store.RecordDigestPart(ctx, run.ID, p.Index, p.MessageID, p.Last()); err != nil {
			return err
		}
		parts[p.Index] = p.MessageID
		delivered = delivered || p.Last()
		if p.Last() {
			return nil
		}
		// Still ours? Then the next part is this process's to post.
		ok, err := r.cfg.Store.ClaimDigest(ctx, run.ID)
		if err != nil {
			return err
		}
		if !ok {
			return errLeaseLost
		}
		return nil
	})
	stop()
	if err == nil && !delivered {
		err = errors.New("poster returned without posting the last part")
	}
	if errors.Is(err, errLeaseLost) && !delivered {
		// Not a failure of the digest: the process that took it over
		// posts the rest (the same nonces make its parts no duplicates).
		log.Warn("digest taken over by another process while posting; stopped")
		return news.DigestResult{}, fmt.Errorf("post digest %d to %s: %w", run.ID, run.ChannelID, err)
	}
	if err != nil && !delivered {
		err = r.postFailed(ctx, run, err)
	}
	if err != nil {
		return news.DigestResult{}, fmt.Errorf("post digest %d to %s: %w", run.ID, run.ChannelID, err)
	}
	r.recordPostedCVEs(ctx, log, run, parts)
	res := news.DigestResult{DigestID: run.ID, Digest: run.Digest, ThreadID: thread}
	if thread == "" {
		return res, nil
	}
	if err := r.cfg.Store.SetDigestThread(ctx, run.ID, thread); err != nil {
		return res, err
	}
	th := news.Thread{ID: thread, GuildID: run.GuildID, ChannelID: run.ChannelID, Kind: news.ThreadDigest,
		CreatedAt: r.cfg.Now().UTC()}
	for _, s := range run.Digest.Stories {
		if s.Summary != nil && s.Summary.ArticleHash != "" {
			th.ArticleHashes = append(th.ArticleHashes, s.Summary.ArticleHash)
		}
	}
	if err := r.cfg.Store.PutThread(ctx, th); err != nil {
		return res, fmt.Errorf("digest %d thread: %w", run.ID, err)
	}
	return res, nil
}

// postFailed handles a post of run that failed before its last part was
// recorded. An undeliverable digest is abandoned at once. Any other failure
// counts as one attempt, and the digest is abandoned when that was the
// last one allowed; a failure while ctx is ending (shutdown, like a crash)
// is not counted, and the digest keeps its lease: like a crash's, it
// lapses and another process takes the digest over. It returns the error
// to report, wrapping cause.
func (r *Runner) postFailed(ctx context.Context, run news.DigestRun, cause error) error {
	if errors.Is(cause, news.ErrUndeliverable) {
		return r.abandon(ctx, run, "undeliverable", cause)
	}
	if ctx.Err() != nil {
		return cause
	}
	n, err := r.cfg.Store.RecordDigestFailure(ctx, run.ID)
	if err != nil {
		return errors.Join(cause, err)
	}
	if n >= r.cfg.MaxPostAttempts {
		return r.abandon(ctx, run, fmt.Sprintf("%d failed attempts", n), cause)
	}
	// Retried later (the channel's next run, a start-up's Resume), by
	// whichever process: the lease is given up, so the digest is not taken
	// for orphaned (TakeOver) and retried at once.
	if err := r.cfg.Store.ReleaseDigest(ctx, run.ID); err != nil {
		return errors.Join(fmt.Errorf("attempt %d of %d: %w", n, r.cfg.MaxPostAttempts, cause), err)
	}
	return fmt.Errorf("attempt %d of %d: %w", n, r.cfg.MaxPostAttempts, cause)
}

// abandon gives up on run, logging a warning: it is not resumed again and
// its items are offered to the channel's next digest. The returned error
// wraps ErrAbandoned and cause (which may be nil).
func (r *Runner) abandon(ctx context.Context, run news.DigestRun, reason string, cause error) error {
	r.log.Warn("digest abandoned; its items are offered again", "digest_id", run.ID, "guild_id", run.GuildID,
		"channel_id", run.ChannelID, "slot", run.Slot, "reason", reason, "err", cause)
	if err := r.cfg.Store.AbandonDigest(ctx, run.ID); err != nil {
		return errors.Join(cause, err)
	}
	if cause == nil {
		return fmt.Errorf("digest %d: %w: %s", run.ID, ErrAbandoned, reason)
	}
	return fmt.Errorf("%w (%s): %w", ErrAbandoned, reason, cause)
}

// recordTimeout bounds recording a posted digest's CVEs, which goes on
// when the post's context ends (the digest was posted all the same).
const recordTimeout = 10 * time.Second

// recordPostedCVEs records, for /cve, the message that shows each story
// of the posted digest run under each CVE the story names: the part the
// Poster says shows it (parts maps part index to message id), the header
// when that part is unknown. Headlines the digest had no room for are not
// recorded. A failure is logged only: the digest was posted.
func (r *Runner) recordPostedCVEs(ctx context.Context, log *slog.Logger, run news.DigestRun, parts map[int]string) {
	if run.GuildID == "" {
		return
	}
	d := run.Digest
	storyParts, headlineParts := r.cfg.Poster.StoryParts(d)
	now := r.cfg.Now().UTC()
	var ps []news.PostedCVE
	add := func(s news.Story, part int) {
		if part < 0 {
			return
		}
		msg := parts[part]
		if msg == "" {
			msg = parts[0]
		}
		if msg == "" {
			return
		}
		title := s.Lead.Title
		if s.Summary != nil && s.Summary.Title != "" {
			title = s.Summary.Title
		}
		for _, id := range storyCVEs(s) {
			ps = append(ps, news.PostedCVE{GuildID: run.GuildID, ChannelID: run.ChannelID, MessageID: msg,
				CVE: id, Title: title, URL: s.Lead.Link, PostedAt: now})
		}
	}
	partOf := func(at []int, i int) int {
		if i < len(at) {
			return at[i]
		}
		return 0 // unknown: the header
	}
	for i, s := range d.Stories {
		add(s, partOf(storyParts, i))
	}
	for i, s := range d.Headlines {
		add(s, partOf(headlineParts, i))
	}
	if len(ps) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := r.cfg.Store.RecordPostedCVEs(ctx, ps); err != nil {
		log.Warn("record the digest's cves", "cves", len(ps), "err", err)
	}
}
