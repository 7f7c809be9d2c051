package storage

import (
	"context"
	"fmt"
)

// Ping reports whether the database answers a query (for /healthz): an
// error once the Store is closed or the file cannot be read.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping storage: %w", err)
	}
	return nil
}
