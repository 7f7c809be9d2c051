package intel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/secbrief/secbrief/news"
)

// Want asks for the CVE records of ids (any case; what is not a CVE id is
// ignored) to be looked up in the background, when the store has none
// younger than the CVSS TTL. It never blocks: CVEs already queued are not
// queued twice, and when the queue is full the rest are dropped (they will
// be wanted again). Lookup returns them once stored.
func (s *Service) Want(ids ...string) {
	if s.opts.Disabled {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range normalizeIDs(ids) {
		if s.pending[id] {
			continue
		}
		select {
		case s.queue <- id:
			s.pending[id] = true
		default:
			s.log.Debug("intel lookup queue full; dropping", "cve", id)
			return
		}
	}
}

// work looks up wanted CVEs one at a time until ctx ends.
func (s *Service) work(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-s.queue:
			if err := s.LookupCVE(ctx, id); err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "cve lookup failed", "cve", id, "error_kind", errorKind(err), "error", err)
			}
			s.mu.Lock()
			delete(s.pending, id)
			s.mu.Unlock()
			if s.looked != nil {
				s.looked(id)
			}
		}
	}
}

// LookupCVE fetches the record of id, unless the store has one younger
// than the CVSS TTL or another process is fetching it: the CVE JSON 5
// record from CVE Services first; NVD when that fails, has no record, or
// has no CVSS score. A CVE neither knows is stored as a miss (Found
// false), so it is not asked again before the TTL. When both fail, nothing
// is stored and a later Want tries again.
func (s *Service) LookupCVE(ctx context.Context, id string) error {
	id, ok := NormalizeID(id)
	if !ok || s.opts.Disabled {
		return nil
	}
	have, err := s.store.CVEIntel(ctx, []string{id})
	if err != nil {
		return fmt.Errorf("lookup %s: %w", id, err)
	}
	if r := have[id].Record; r != nil && s.opts.Clock.Now().Sub(r.FetchedAt) < s.opts.CVSSTTL {
		return nil
	}
	key := "intel:cve:" + id
	if got, err := s.store.Claim(ctx, key); err != nil || !got {
		return err // another process is on it
	}
	defer func() {
		if err := s.store.Release(context.WithoutCancel(ctx), key); err != nil {
			s.log.WarnContext(ctx, "release cve lookup", "cve", id, "error", err)
		}
	}()

	rec, found, final, cveErr := s.fetchCVE(ctx, id)
	if cveErr == nil && found && (rec.CVSS != nil || final) {
		return s.save(ctx, rec)
	}
	nvdRec, nvdFound, nvdErr := s.fetchNVD(ctx, id)
	switch {
	case found && nvdErr == nil && nvdFound:
		rec.CVSS = nvdRec.CVSS // the CVE record's text, NVD's score
		if rec.AdvisoryURL == "" {
			rec.AdvisoryURL = nvdRec.AdvisoryURL
		}
		return s.save(ctx, rec)
	case found:
		return s.save(ctx, rec) // no score anywhere (or NVD is down)
	case nvdErr == nil && nvdFound:
		return s.save(ctx, nvdRec)
	case cveErr == nil && nvdErr == nil:
		return s.save(ctx, news.CVERecord{ID: id, FetchedAt: s.opts.Clock.Now()})
	}
	return fmt.Errorf("lookup %s: %w", id, errors.Join(cveErr, nvdErr))
}

// save stores rec, stamped now.
func (s *Service) save(ctx context.Context, rec news.CVERecord) error {
	rec.FetchedAt = s.opts.Clock.Now()
	if err := s.store.SaveCVERecord(ctx, rec); err != nil {
		return fmt.Errorf("lookup %s: %w: %w", rec.ID, errStore, err)
	}
	return nil
}

// fetchCVE gets id's CVE JSON 5 record; found is false on a 404, final
// true when the CVE was rejected (NVD has nothing to add).
func (s *Service) fetchCVE(ctx context.Context, id string) (rec news.CVERecord, found, final bool, err error) {
	resp, err := s.track(ctx, news.IntelCVE, func() (*response, error) {
		resp, err := s.get(ctx, expand(s.opts.CVEURL, id), "", "", http.Header{"Accept": {"application/json"}},
			s.opts.RecordMaxBytes, true)
		if err != nil || resp.Status == http.StatusNotFound {
			return resp, err
		}
		rec, final, err = parseCVERecord(id, resp.Body)
		return resp, err
	})
	if err != nil {
		return news.CVERecord{}, false, false, fmt.Errorf("cve services: %w", err)
	}
	return rec, resp.Status != http.StatusNotFound, final, nil
}

// fetchNVD gets id from NVD, paced to NVD's rate limit; found is false
// when NVD has no such CVE.
func (s *Service) fetchNVD(ctx context.Context, id string) (news.CVERecord, bool, error) {
	if err := s.paceNVD(ctx); err != nil {
		return news.CVERecord{}, false, err
	}
	header := http.Header{"Accept": {"application/json"}}
	if s.opts.NVDAPIKey != "" {
		header.Set("apiKey", s.opts.NVDAPIKey)
	}
	var rec news.CVERecord
	var found bool
	_, err := s.track(ctx, news.IntelNVD, func() (*response, error) {
		resp, err := s.get(ctx, expand(s.opts.NVDURL, id), "", "", header, s.opts.RecordMaxBytes, true)
		if err != nil || resp.Status == http.StatusNotFound {
			return resp, err
		}
		rec, found, err = parseNVD(id, resp.Body)
		return resp, err
	})
	if err != nil {
		return news.CVERecord{}, false, fmt.Errorf("nvd: %w", err)
	}
	return rec, found, nil
}

// paceNVD waits, on the service's clock, for the NVD rate limiter.
func (s *Service) paceNVD(ctx context.Context) error {
	now := s.opts.Clock.Now()
	r := s.nvd.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 && !s.sleep(ctx, d) {
		r.CancelAt(s.opts.Clock.Now())
		return ctx.Err()
	}
	return nil
}

// track runs one request of a per-CVE source and records its outcome in
// the source's state.
func (s *Service) track(ctx context.Context, source string, do func() (*response, error)) (*response, error) {
	start := s.opts.Clock.Now()
	resp, err := do()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	st, serr := s.store.IntelSource(ctx, source)
	if serr == nil {
		st.CheckedAt = start
		if err != nil {
			st.ErrorKind, st.ErrorAt = errorKind(err), start
		} else {
			st.RefreshedAt, st.ErrorKind, st.ErrorAt = start, "", time.Time{}
		}
		serr = s.store.SaveIntelSource(ctx, st)
	}
	if serr != nil {
		s.log.WarnContext(ctx, "save intel state", "source", source, "error", serr)
	}
	return resp, err
}

// expand puts id into a URL template's {id}.
func expand(template, id string) string {
	return strings.ReplaceAll(template, "{id}", id)
}
