package intel

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/secbrief/secbrief/news"
)

// ErrClaimed is returned by RefreshKEV and RefreshEPSS when another
// process is refreshing the source.
var ErrClaimed = errors.New("another process is refreshing it")

// RefreshKEV downloads the KEV catalog (conditionally) and stores it,
// unless another process holds the refresh (ErrClaimed). A failure is
// recorded in the source's state and the stored catalog kept.
func (s *Service) RefreshKEV(ctx context.Context) error {
	return s.refresh(ctx, news.IntelKEV, s.opts.KEVURL, s.opts.KEVMaxBytes,
		func(ctx context.Context, body []byte, st news.SourceStatus) (string, error) {
			cat, err := parseKEV(body)
			if err != nil {
				return "", err
			}
			st.DataDate, st.Version = cat.Released, cat.Version
			added, err := s.store.ReplaceKEV(ctx, cat, st)
			if err != nil {
				return "", fmt.Errorf("%w: %w", errStore, err)
			}
			return fmt.Sprintf("%d entries, %d new, version %s", len(cat.Entries), added, cat.Version), nil
		})
}

// RefreshEPSS downloads the day's EPSS file (conditionally) and stores it
// in place of the previous one, unless another process holds the refresh
// (ErrClaimed) or the stored scores are already of that day. A failure is
// recorded in the source's state and the stored scores kept.
func (s *Service) RefreshEPSS(ctx context.Context) error {
	return s.refresh(ctx, news.IntelEPSS, s.opts.EPSSURL, s.opts.EPSSMaxBytes,
		func(ctx context.Context, body []byte, st news.SourceStatus) (string, error) {
			set, err := parseEPSS(body)
			if err != nil {
				return "", err
			}
			if !set.ScoreDate.IsZero() && set.ScoreDate.Equal(st.DataDate) && st.Entries > 0 &&
				set.ModelVersion == st.Version {
				// Same day's file (a server without validators): keep it.
				if err := s.store.SaveIntelSource(ctx, st); err != nil {
					return "", fmt.Errorf("%w: %w", errStore, err)
				}
				return "unchanged score date " + set.ScoreDate.Format(time.DateOnly), nil
			}
			st.DataDate, st.Version = set.ScoreDate, set.ModelVersion
			n, err := s.store.ReplaceEPSS(ctx, set, st)
			if err != nil {
				return "", fmt.Errorf("%w: %w", errStore, err)
			}
			return fmt.Sprintf("%d scores of %s", n, set.ScoreDate.Format(time.DateOnly)), nil
		})
}

// refresh fetches one bulk source under its claim and hands a new body to
// load, which stores it with the state given (validators and times set).
func (s *Service) refresh(ctx context.Context, source, url string, maxBytes int64,
	load func(ctx context.Context, body []byte, st news.SourceStatus) (string, error)) error {
	if s.opts.Disabled {
		return nil
	}
	key := "intel:" + source
	ok, err := s.store.Claim(ctx, key)
	if err != nil {
		return fmt.Errorf("refresh %s: %w", source, err)
	}
	if !ok {
		return fmt.Errorf("refresh %s: %w", source, ErrClaimed)
	}
	defer func() {
		// Release even when ctx ended, so another process need not wait
		// for the lease to lapse.
		if err := s.store.Release(context.WithoutCancel(ctx), key); err != nil {
			s.log.WarnContext(ctx, "release intel refresh", "source", source, "error", err)
		}
	}()
	st, err := s.store.IntelSource(ctx, source)
	if err != nil {
		return fmt.Errorf("refresh %s: %w", source, err)
	}
	start := s.opts.Clock.Now()
	etag, lastModified := st.ETag, st.LastModified
	if st.Entries == 0 {
		etag, lastModified = "", "" // nothing stored: download it whole
	}
	resp, err := s.get(ctx, url, etag, lastModified, nil, maxBytes, false)
	st.CheckedAt = start
	var detail string
	if err == nil {
		ok := st
		ok.RefreshedAt, ok.ErrorKind, ok.ErrorAt = start, "", time.Time{}
		if resp.NotModified {
			detail = "not modified"
			if err = s.store.SaveIntelSource(ctx, ok); err != nil {
				err = fmt.Errorf("%w: %w", errStore, err)
			}
		} else {
			ok.ETag, ok.LastModified = resp.ETag, resp.LastModified
			detail, err = load(ctx, resp.Body, ok)
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // shutting down: not the source's failure
		}
		st.ErrorKind, st.ErrorAt = errorKind(err), start
		if serr := s.store.SaveIntelSource(ctx, st); serr != nil {
			err = errors.Join(err, serr)
		}
		s.log.WarnContext(ctx, "intel refresh failed; serving the stored data", "source", source,
			"error_kind", st.ErrorKind, "error", err, "data_date", st.DataDate)
		return fmt.Errorf("refresh %s: %w", source, err)
	}
	s.log.InfoContext(ctx, "intel refreshed", "source", source, "detail", detail,
		"took", s.opts.Clock.Now().Sub(start))
	return nil
}

// refreshLoop refreshes one source when due, until ctx ends. When it is due
// comes from the stored state, shared by every process: the last attempt
// plus every, or plus retryFailed after a failure.
func (s *Service) refreshLoop(ctx context.Context, source string, every time.Duration, refresh func(context.Context) error) {
	for ctx.Err() == nil {
		st, err := s.store.IntelSource(ctx, source)
		if err != nil {
			s.log.WarnContext(ctx, "intel state", "source", source, "error", err)
			if !s.sleep(ctx, min(every, retryFailed)) {
				return
			}
			continue
		}
		if wait := nextRefresh(st, every).Sub(s.opts.Clock.Now()); wait > 0 {
			if !s.sleep(ctx, wait) {
				return
			}
			continue // another process may have refreshed meanwhile
		}
		switch err := refresh(ctx); {
		case errors.Is(err, ErrClaimed):
			if !s.sleep(ctx, min(every, waitClaimed)) {
				return
			}
		case err != nil:
			// The state says when to try again, unless it could not be
			// saved either: wait as after a failure in any case.
			if !s.sleep(ctx, min(every, retryFailed)) {
				return
			}
		}
	}
}

// nextRefresh is when a source in state st is due.
func nextRefresh(st news.SourceStatus, every time.Duration) time.Time {
	if st.CheckedAt.IsZero() {
		return time.Time{}
	}
	if st.Failing() {
		return st.CheckedAt.Add(min(every, retryFailed))
	}
	return st.CheckedAt.Add(every)
}
