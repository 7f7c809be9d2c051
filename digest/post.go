package digest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/secbrief/secbrief/news"
)

// resume posts the rest of an unfinished digest, or abandons it without
// trying when it is too old or out of attempts. The returned error wraps
// ErrAbandoned when the digest was given up.
func (r *Runner) resume(ctx context.Context, run news.DigestRun) error {
	if age := r.cfg.Now().Sub(run.CreatedAt); age > r.cfg.MaxUnfinishedAge {
		return r.abandon(ctx, run, fmt.Sprintf("unfinished for %s, more than %s", age.Round(time.Minute), r.cfg.MaxUnfinishedAge), nil)
	}
	if run.Attempts >= r.cfg.MaxPostAttempts {
		return r.abandon(ctx, run, fmt.Sprintf("%d failed attempts", run.Attempts), nil)
	}
	_, err := r.post(ctx, run)
	return err
}

// post posts a recorded digest, skipping its parts already posted, and
// records each part; the last part's record delivers the items.
func (r *Runner) post(ctx context.Context, run news.DigestRun) (news.DigestResult, error) {
	delivered := false
	thread, err := r.cfg.Poster.PostDigest(ctx, run.Digest, digestKey(run.ID), run.Parts, func(p news.DigestPart) error {
		if err := r.cfg.Store.RecordDigestPart(ctx, run.ID, p.Index, p.MessageID, p.Last()); err != nil {
			return err
		}
		delivered = delivered || p.Last()
		return nil
	})
	if err == nil && !delivered {
		err = errors.New("poster returned without posting the last part")
	}
	if err != nil && !delivered {
		err = r.postFailed(ctx, run, err)
	}
	if err != nil {
		return news.DigestResult{}, fmt.Errorf("post digest %d to %s: %w", run.ID, run.ChannelID, err)
	}
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
// is not counted. It returns the error to report, wrapping cause.
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
