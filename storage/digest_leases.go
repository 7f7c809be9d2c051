package storage

import (
	"context"
	"fmt"

	"github.com/secbrief/secbrief/news"
)

// Digest leases: a recorded digest that is not posted yet (pending or
// posting) is posted by one process at a time, the owner of its lease.
// CreateDigest and RecordUnshown give the new digest to the creating
// Store; each RecordDigestPart renews the lease (a posted part proves
// progress); ClaimDigest takes a digest over for a resume. A digest whose
// process died mid-post (kill -9) keeps its lease until it lapses, so
// another process resumes it only then; its nonces keep the parts the dead
// process posted from being posted twice. ReleaseDigest gives a digest up
// for a later resume by anyone (after a failed post that is to be retried
// later), so OrphanedDigests, which lists the digests left by a process
// that died, no longer lists it.

// leaseDigest gives digest id to this Store for one lease, in tx (the
// transaction that records it).
func (s *Store) leaseDigest(ctx context.Context, tx *txn, id int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE digests SET lease_owner = ?, lease_until = ? WHERE id = ?`,
		s.owner, s.now().Add(s.lease).UnixMicro(), id); err != nil {
		return fmt.Errorf("lease: %w", err)
	}
	return nil
}

// digestLeaseTakeable is the condition under which this Store may take a
// digest's lease: it is this Store's, free or lapsed. Its parameters are
// the Store's owner and now.
const digestLeaseTakeable = `(lease_owner = ? OR lease_owner = '' OR lease_until IS NULL OR lease_until <= ?)`

// renewDigestLease extends this Store's lease on digest id by one lease
// from now, in tx, when the lease is this Store's, free or lapsed; a live
// lease of another owner (which took the digest over from a process that
// seemed dead) is left alone.
func (s *Store) renewDigestLease(ctx context.Context, tx *txn, id int64) error {
	now := s.now()
	if _, err := tx.ExecContext(ctx, `UPDATE digests SET lease_owner = ?, lease_until = ?
		WHERE id = ? AND `+digestLeaseTakeable,
		s.owner, now.Add(s.lease).UnixMicro(), id, s.owner, now.UnixMicro()); err != nil {
		return fmt.Errorf("renew lease: %w", err)
	}
	return nil
}

// ClaimDigest takes the unfinished (pending or posting) digest id for this
// Store for one lease and reports whether it got it: true when its lease
// is free, lapsed (the process posting it died or hung) or already this
// Store's (the lease is then renewed). It reports false when another owner
// holds a live lease, and when the digest is not unfinished (any more):
// either way the caller must not post it. One conditional UPDATE decides,
// so of processes claiming one digest at once exactly one gets it.
func (s *Store) ClaimDigest(ctx context.Context, id int64) (bool, error) {
	now := s.now()
	var got int64
	err := s.write.QueryRowContext(ctx, `UPDATE digests SET lease_owner = ?, lease_until = ?
		WHERE id = ? AND state IN ('pending', 'posting') AND `+digestLeaseTakeable+`
		RETURNING id`,
		s.owner, now.Add(s.lease).UnixMicro(), id, s.owner, now.UnixMicro()).Scan(&got)
	if isNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim digest %d: %w", id, err)
	}
	return true, nil
}

// TakeDigest takes the unfinished digest id for this Store for one lease
// whatever its lease says, and reports false when it is not unfinished.
// It is for a process that knows no other live process posts the digest
// (SQLite, where the shard rule gives each guild one process), so that
// its predecessor's lease, killed with it, does not hold a restart back.
func (s *Store) TakeDigest(ctx context.Context, id int64) (bool, error) {
	var got int64
	err := s.write.QueryRowContext(ctx, `UPDATE digests SET lease_owner = ?, lease_until = ?
		WHERE id = ? AND state IN ('pending', 'posting') RETURNING id`,
		s.owner, s.now().Add(s.lease).UnixMicro(), id).Scan(&got)
	if isNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("take digest %d: %w", id, err)
	}
	return true, nil
}

// ReleaseDigest gives up this Store's lease on digest id, so any process
// may resume it at once; a lease another owner holds is left alone, and
// releasing a digest not held is not an error.
func (s *Store) ReleaseDigest(ctx context.Context, id int64) error {
	if _, err := s.write.ExecContext(ctx, `UPDATE digests SET lease_owner = '', lease_until = NULL
		WHERE id = ? AND lease_owner = ?`, id, s.owner); err != nil {
		return fmt.Errorf("release digest %d: %w", id, err)
	}
	return nil
}

// OrphanedDigests returns the unfinished digests whose lease, held by
// another owner, lapsed: the process posting them died or hung. They are
// for ClaimDigest to take over; digests released after a failed post, and
// this Store's own, are not listed. Oldest first.
func (s *Store) OrphanedDigests(ctx context.Context) ([]news.DigestRun, error) {
	runs, err := s.queryDigests(ctx, `state IN ('pending', 'posting') AND lease_owner <> '' AND lease_owner <> ?
		AND lease_until IS NOT NULL AND lease_until <= ? ORDER BY id`, s.owner, s.now().UnixMicro())
	if err != nil {
		return nil, fmt.Errorf("orphaned digests: %w", err)
	}
	return runs, nil
}
