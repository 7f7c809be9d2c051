package summarizer

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/secbrief/secbrief/news"
)

// Claims is what the summarizer needs, besides Cache, for processes that
// share one cache (several bot replicas on one PostgreSQL database) to make
// each summary once. A Cache that also implements Claims gets it used:
// Summarize claims an article before asking the LLM, and a process that
// finds it claimed waits for the summary to appear in the cache instead.
type Claims interface {
	// Claim takes the job named key for one lease and reports whether it
	// got it: true when nobody held it, when the holder's lease lapsed, or
	// when this process already held it (the lease is then renewed).
	Claim(ctx context.Context, key string) (bool, error)
	// Release gives up this process's claim on key, if it holds it.
	Release(ctx context.Context, key string) error
	// ClaimHeld reports whether anyone holds a live claim on key.
	ClaimHeld(ctx context.Context, key string) (bool, error)
}

// Pacing of a wait for another process's summary, and the default of
// Options.ClaimWait.
const (
	// claimPrefix starts the claim key of a summary: "summary:" and its
	// cache key.
	claimPrefix = "summary:"
	// claimPollFirst is the first pause before looking for the summary
	// again; each pause doubles, up to claimPollMax.
	claimPollFirst = 100 * time.Millisecond
	claimPollMax   = 2 * time.Second
	// The default ClaimWait is claimWaitTimeouts request timeouts (a long
	// article takes rounds of notes, a combine and maybe a repair),
	// within these bounds.
	claimWaitTimeouts = 4
	minClaimWait      = 30 * time.Second
	maxClaimWait      = 10 * time.Minute
	// releaseTimeout bounds giving a claim up after the work's context
	// ended: until it is given up, others wait for the lease to lapse.
	releaseTimeout = 10 * time.Second
)

// summarizeClaimed makes key's summary once among the processes sharing
// the cache. It claims the article: got it, it makes the summary, stores
// it and gives the claim up (at once on failure too, so a waiting process
// takes over). Another process holds it: it waits for that one's summary
// in the cache, and makes the summary itself if the holder gives up or dies
// (its claim no longer held), until Options.ClaimWait is spent (ErrBusy).
func (s *Summarizer) summarizeClaimed(ctx context.Context, a news.Article, hash, key string) (news.Summary, error) {
	ckey := claimPrefix + key
	pace := pacer{next: claimPollFirst, limit: s.opts.ClaimWait}
	for {
		got, err := s.claims.Claim(ctx, ckey)
		if err != nil {
			if ctx.Err() != nil {
				return news.Summary{}, fmt.Errorf("summarize %s: claim: %w", describe(a), context.Cause(ctx))
			}
			// The claim only saves paying twice: without it, still answer.
			s.log.Warn("summary claim unavailable, asking the llm without it", "article_hash", hash, "err", err)
			return s.produce(ctx, a, hash, key)
		}
		if got {
			return s.produceClaimed(ctx, a, hash, key, ckey)
		}
		s.log.Info("another process is making this summary, waiting for it", "article_hash", hash)
		sum, ok, err := s.awaitClaimed(ctx, key, ckey, &pace)
		if err != nil {
			return news.Summary{}, fmt.Errorf("summarize %s: %w", describe(a), err)
		}
		if ok {
			return sum, nil
		}
		s.log.Info("the process making this summary gave up, taking it over", "article_hash", hash)
	}
}

// produceClaimed makes the summary under the claim ckey, renewing it before
// every LLM request (a long article can outlast one lease), and gives the
// claim up when done, stored or failed.
func (s *Summarizer) produceClaimed(ctx context.Context, a news.Article, hash, key, ckey string) (news.Summary, error) {
	defer s.release(ctx, ckey, hash)
	// The holder before us may have stored it and given the claim up
	// between our last look at the cache and our claim.
	if sum, ok, err := s.cache.Summary(ctx, key); err == nil && ok {
		sum.Cached = true
		return sum, nil
	}
	return s.produce(context.WithValue(ctx, claimKey{}, &heldClaim{key: ckey, hash: hash}), a, hash, key)
}

// release gives the claim up, even when the work's context has ended.
func (s *Summarizer) release(ctx context.Context, ckey, hash string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	if err := s.claims.Release(ctx, ckey); err != nil {
		s.log.Error("release summary claim; other processes wait for its lease to lapse",
			"article_hash", hash, "err", err)
	}
}

// awaitClaimed waits for the process holding ckey to store key's summary,
// looking at the cache after each pause of pace. ok is false, with a nil
// error, when the claim is no longer held: the holder failed or died, and
// the caller should claim the job itself.
func (s *Summarizer) awaitClaimed(ctx context.Context, key, ckey string, pace *pacer) (sum news.Summary, ok bool, err error) {
	var lastErr error
	for {
		d, more := pace.step()
		if !more {
			if lastErr != nil {
				return news.Summary{}, false, fmt.Errorf("%w: none after waiting %s (last error: %w); try again shortly",
					ErrBusy, pace.spent, lastErr)
			}
			return news.Summary{}, false, fmt.Errorf("%w: none after waiting %s; try again shortly", ErrBusy, pace.spent)
		}
		if err := s.opts.Sleep(ctx, d); err != nil {
			return news.Summary{}, false, fmt.Errorf("waiting for another process's summary: %w", context.Cause(ctx))
		}
		sum, ok, err := s.cache.Summary(ctx, key)
		if err != nil {
			lastErr = fmt.Errorf("summary cache lookup: %w", err)
			continue
		}
		if ok {
			sum.Cached = true
			return sum, true, nil
		}
		held, err := s.claims.ClaimHeld(ctx, ckey)
		if err != nil {
			lastErr = err // keep waiting: the holder may be fine
			continue
		}
		if !held {
			return news.Summary{}, false, nil
		}
	}
}

// pacer spaces the looks at the cache of a wait: pauses from
// claimPollFirst, doubling to claimPollMax, until limit is spent. It counts
// the pauses, not the clock, so an injected Sleep paces it entirely.
type pacer struct {
	next, spent, limit time.Duration
}

// step returns the next pause, or false when the wait is over.
func (p *pacer) step() (time.Duration, bool) {
	if p.spent >= p.limit {
		return 0, false
	}
	d := min(p.next, p.limit-p.spent)
	p.spent += d
	p.next = min(2*p.next, claimPollMax)
	return d, true
}

// claimKey is the context key of the heldClaim a summary is made under.
type claimKey struct{}

// heldClaim is the claim a summary is being made under.
type heldClaim struct {
	key, hash string
	lost      atomic.Bool // another process took it over (logged once)
}

// renewClaim renews the claim ctx's summary is made under, if any, before
// an LLM request: a long article's requests together can outlast one
// lease. Failing to renew is logged and the work goes on: what was paid
// for is not thrown away, the worst case is another process paying too.
func (s *Summarizer) renewClaim(ctx context.Context) {
	c, _ := ctx.Value(claimKey{}).(*heldClaim)
	if c == nil {
		return
	}
	got, err := s.claims.Claim(ctx, c.key)
	switch {
	case err != nil && ctx.Err() == nil:
		s.log.Warn("renew summary claim", "article_hash", c.hash, "err", err)
	case err == nil && !got && c.lost.CompareAndSwap(false, true):
		s.log.Warn("summary claim lapsed and another process took it; finishing anyway", "article_hash", c.hash)
	}
}
