package storage

import (
	"context"
	"fmt"

	"github.com/secbrief/secbrief/news"
)

// TakeOverClaim takes the job named key over from a holder whose lease
// lapsed (its process died or hung), for this Store's owner for one lease,
// and reports whether it did; a claim this Store holds is renewed. Unlike
// Claim it never takes a job nobody holds: when no claim on key exists
// (its holder finished and released it) it returns news.ErrNotFound, so a
// process that lost a job to another and waits to see it done learns
// that it was done (or given up) rather than doing it again. It reports
// false, nil while another owner's lease is live.
func (s *Store) TakeOverClaim(ctx context.Context, key string) (bool, error) {
	now := s.now()
	var owner string
	err := s.write.QueryRowContext(ctx, `UPDATE job_claims SET lease_owner = ?, lease_until = ?
		WHERE key = ? AND (lease_owner = ? OR lease_until <= ?) RETURNING lease_owner`,
		s.owner, now.Add(s.lease).UnixMicro(), key, s.owner, now.UnixMicro()).Scan(&owner)
	if err == nil {
		return true, nil
	}
	if !isNoRows(err) {
		return false, fmt.Errorf("take over claim %s: %w", key, err)
	}
	// Not taken: held live by another owner, or released. A lease that
	// lapsed since the UPDATE counts as held, and is taken on the next try.
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM job_claims WHERE key = ?`, key).Scan(&n); err != nil {
		return false, fmt.Errorf("take over claim %s: %w", key, err)
	}
	if n == 0 {
		return false, fmt.Errorf("take over claim %s: %w", key, news.ErrNotFound)
	}
	return false, nil
}
