package feeds

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/secbrief/secbrief/news"
)

// pollOne fetches one feed this process claimed, stores its items and
// records its new state, which gives the claim back; a poll that ends
// without a saved state gives it back as it is.
func (p *Poller) pollOne(ctx context.Context, st news.FeedState) news.PollResult {
	start := p.opts.Now()
	res := news.PollResult{Polled: 1}
	log := p.logger.With("feed_url", st.URL)
	saved := false
	firstPoll := st.LastPolledAt.IsZero()
	var fresh []news.Item
	defer func() {
		if !saved {
			p.release(ctx, st.URL)
		}
	}()

	fctx, cancel := context.WithTimeout(ctx, p.opts.FeedTimeout)
	resp, err := fetch(fctx, p.client, request{
		URL: st.URL, ETag: st.ETag, LastModified: st.LastModified,
		UserAgent: p.opts.UserAgent, MaxBytes: p.opts.MaxBodyBytes, Now: start,
	})
	cancel()
	if err != nil && ctx.Err() != nil {
		// Shutting down: not the feed's fault, leave its state alone.
		return news.PollResult{}
	}
	st.LastPolledAt = start
	switch {
	case err != nil:
	case resp.NotModified:
		res.NotModified = 1
	default:
		var feed news.Feed
		var items []news.Item
		if feed, items, err = p.parse(resp.Body, st.URL); err != nil {
			break // the feed's failure, recorded below
		}
		var serr error
		fresh, serr = p.store.AddNewItems(ctx, st.URL, items)
		if serr != nil {
			// Our failure, not the feed's: keep the old validators so the
			// next poll fetches these items again.
			log.ErrorContext(ctx, "store feed items", "err", serr)
			res.Failed = 1
			return res
		}
		res.NewItems = len(fresh)
		if feed.Title != "" {
			st.Title = feed.Title
		}
		for i := range fresh {
			if fresh[i].FeedTitle == "" {
				fresh[i].FeedTitle = st.Title
			}
		}
		st.ETag, st.LastModified = resp.ETag, resp.LastModified
	}
	if err == nil {
		st.Failures, st.LastError = 0, ""
		// A little under one interval, so the next tick finds it due.
		st.NextPollAt = start.Add(p.opts.PollInterval - p.opts.PollInterval/10)
	} else {
		res.Failed = 1
		st.Failures++
		st.LastError = p.opts.ErrorText(err)
		st.NextPollAt = start.Add(p.retryDelay(st.Failures, err))
		if st.Failures >= p.opts.MaxFailures {
			st.DisabledAt = start
			res.Disabled = 1
		}
		log.WarnContext(ctx, "poll feed failed", "failures", st.Failures, "next_poll_at", st.NextPollAt, "err", err)
	}
	if serr := p.store.SaveFeedState(ctx, st); serr != nil {
		log.ErrorContext(ctx, "save feed state", "err", serr)
		return res
	}
	saved = true
	if p.opts.OnNewItems != nil && len(fresh) > 0 && !firstPoll {
		p.opts.OnNewItems(ctx, st.URL, fresh)
	}
	if res.Disabled == 1 {
		log.WarnContext(ctx, "feed disabled", "failures", st.Failures, "err", err)
		if p.opts.OnDisabled != nil {
			p.opts.OnDisabled(ctx, st.URL, fmt.Errorf("disabled after %d consecutive failures: %w", st.Failures, err))
		}
	}
	return res
}

// retryDelay is the wait after the n-th consecutive failure:
// PollInterval×2^n capped at MaxBackoff, plus up to 10% jitter, and never
// shorter than the server's Retry-After.
func (p *Poller) retryDelay(n int, err error) time.Duration {
	d := Backoff(p.opts.PollInterval, p.opts.MaxBackoff, n)
	d += p.opts.Jitter(d / 10)
	var se *StatusError
	if errors.As(err, &se) && se.RetryAfter > d {
		d = se.RetryAfter
	}
	return d
}

// Backoff is interval×2^failures, capped at limit.
func Backoff(interval, limit time.Duration, failures int) time.Duration {
	d := interval
	for range failures {
		if d >= limit/2 {
			return limit
		}
		d *= 2
	}
	return min(d, limit)
}
