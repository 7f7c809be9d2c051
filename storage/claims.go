package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Claim takes the job named key for this Store's owner for one lease
// (storage.lease) and reports whether it got it: true when nobody held it,
// when the holder's lease lapsed (its process died or hung), or when this
// Store already held it (the lease is then renewed). Processes sharing a
// PostgreSQL store thus do such a job once at a time; with SQLite the
// claim is just as exclusive among Stores on one file.
func (s *Store) Claim(ctx context.Context, key string) (bool, error) {
	if key == "" {
		return false, errors.New("claim: empty key")
	}
	now := s.now()
	var owner string
	err := s.write.QueryRowContext(ctx, `INSERT INTO job_claims (key, lease_owner, lease_until)
		VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET lease_owner = excluded.lease_owner, lease_until = excluded.lease_until
			WHERE job_claims.lease_owner = excluded.lease_owner OR job_claims.lease_until <= ?
		RETURNING lease_owner`,
		key, s.owner, now.Add(s.lease).UnixMicro(), now.UnixMicro()).Scan(&owner)
	if isNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim %s: %w", key, err)
	}
	return owner == s.owner, nil
}

// Release gives up this Store's claim on key (a claim another owner holds
// is left alone). Releasing a job not held is not an error.
func (s *Store) Release(ctx context.Context, key string) error {
	if _, err := s.write.ExecContext(ctx, `DELETE FROM job_claims WHERE key = ? AND lease_owner = ?`,
		key, s.owner); err != nil {
		return fmt.Errorf("release %s: %w", key, err)
	}
	return nil
}

// ClaimHeld reports whether anyone holds a live claim on key: a process
// waiting for another's job uses it to learn that the holder is gone.
func (s *Store) ClaimHeld(ctx context.Context, key string) (bool, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM job_claims WHERE key = ? AND lease_until > ?`,
		key, s.now().UnixMicro()).Scan(&n); err != nil {
		return false, fmt.Errorf("claim held %s: %w", key, err)
	}
	return n > 0, nil
}

// PruneClaims deletes claims whose lease lapsed before the store's now and
// returns how many; a lapsed claim means nothing, so this only keeps the
// table small.
func (s *Store) PruneClaims(ctx context.Context) (int, error) {
	res, err := s.write.ExecContext(ctx, `DELETE FROM job_claims WHERE lease_until <= ?`, s.now().UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("prune claims: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune claims: %w", err)
	}
	return int(n), nil
}

// isNoRows reports whether err is database/sql's "no rows".
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
