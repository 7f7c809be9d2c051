// Package storage is secbrief's one Store, over SQLite (modernc.org/sqlite,
// no cgo; the embedded default for one process) or PostgreSQL (pgx v5 and
// its pool; the shared store of many processes): the summary cache,
// articles, threads and their turns, token usage, and, in their own files,
// feeds, digests and the leases that give each job one owner at a time.
//
// With SQLite the Store keeps two connection pools on one database file: a
// writer with a single connection, so writes from many goroutines queue in
// Go instead of failing with SQLITE_BUSY, and a read-only pool that reads
// concurrently under WAL. Transactions begin IMMEDIATE, and busy_timeout
// covers other processes sharing the file. With PostgreSQL both are one
// pgxpool behind database/sql (see dialect.go for how queries are shared).
//
// Times are stored as integer microseconds since the Unix epoch in UTC
// (NULL for the zero time); see dbTime and scanTime.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"runtime"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Store is secbrief's persistent state in one database. It is safe for
// concurrent use, and with PostgreSQL by many processes at once.
type Store struct {
	write  *db // SQLite: one connection, every write and write transaction
	read   *db // SQLite: read-only pool (write itself for :memory:); PostgreSQL: write
	logger *slog.Logger
	now    func() time.Time

	// owner names this Store in the leases it takes (see claims.go,
	// feed_leases.go, digest_leases.go);
	// lease is how long a claimed job stays its own.
	owner string
	lease time.Duration
	// closePool closes what is under the *sql.DB (the pgxpool).
	closePool func()

	migrations fs.FS // nil: the embedded migrations of the dialect
}

// Option configures a Store in Open.
type Option func(*Store)

// WithClock sets the clock used for timestamps the Store fills in itself
// (fetched_at, created_at, a turn's time when zero). The default, and what
// a nil now means, is time.Now.
func WithClock(now func() time.Time) Option {
	return func(s *Store) {
		if now != nil {
			s.now = now
		}
	}
}

// WithLease sets how long a job this Store claims (a feed poll, a digest,
// a summary) stays its own before another process may take it over
// (storage.lease; default DefaultLease). Non-positive keeps the default.
func WithLease(d time.Duration) Option {
	return func(s *Store) {
		if d > 0 {
			s.lease = d
		}
	}
}

// WithOwner sets the name this Store puts in the leases it takes; the
// default is unique per Open (host, process id and random bits). Tests use
// it to play two processes on one database.
func WithOwner(owner string) Option {
	return func(s *Store) {
		if owner != "" {
			s.owner = owner
		}
	}
}

// withMigrations replaces the embedded migrations; tests use it to apply a
// failing migration.
func withMigrations(fsys fs.FS) Option {
	return func(s *Store) { s.migrations = fsys }
}

// Open opens (creating when missing) the SQLite database at path, applies
// any pending migrations and returns the Store. path ":memory:" gives a
// private in-memory database on one connection, for throwaway use.
// A nil logger discards logs.
func Open(ctx context.Context, path string, logger *slog.Logger, opts ...Option) (*Store, error) {
	s := newStore(logger, opts)
	if path == "" {
		return nil, errors.New("open storage: empty path")
	}
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("open storage %s: path must not contain '?'", path)
	}

	write, err := sql.Open("sqlite", path+"?"+dsnParams(false))
	if err != nil {
		return nil, fmt.Errorf("open storage %s: %w", path, err)
	}
	// One writer connection: concurrent writers wait in database/sql's pool
	// rather than in SQLite's busy handler, so they never see SQLITE_BUSY.
	write.SetMaxOpenConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	s.write = newDB(write, sqliteDialect)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open storage %s: %w", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open storage %s: %w", path, err)
	}

	if path == ":memory:" {
		// Each connection to :memory: is its own database: share the writer.
		s.read = s.write
		return s, nil
	}
	read, err := sql.Open("sqlite", path+"?"+dsnParams(true))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open storage %s: %w", path, err)
	}
	read.SetMaxOpenConns(max(4, runtime.NumCPU()))
	read.SetMaxIdleConns(max(4, runtime.NumCPU()))
	if err := read.PingContext(ctx); err != nil {
		read.Close()
		write.Close()
		return nil, fmt.Errorf("open storage %s (read pool): %w", path, err)
	}
	s.read = newDB(read, sqliteDialect)
	return s, nil
}

// newStore is a Store with opts applied and no database yet.
func newStore(logger *slog.Logger, opts []Option) *Store {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Store{logger: logger, now: time.Now, owner: newOwner(), lease: DefaultLease}
	for _, o := range opts {
		o(s)
	}
	return s
}

// dsnParams is the driver query string: the pragmas every connection runs,
// IMMEDIATE transactions for the writer, query_only for the readers.
func dsnParams(readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return q.Encode()
}

// Close closes the connection pools.
func (s *Store) Close() error {
	var errs []error
	if s.read != s.write {
		errs = append(errs, s.read.Close())
	}
	errs = append(errs, s.write.Close())
	if s.closePool != nil {
		s.closePool()
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close storage: %w", err)
	}
	return nil
}

// tx runs fn in one write transaction (SQLite: BEGIN IMMEDIATE on the
// writer connection; PostgreSQL: READ COMMITTED) and commits it when fn
// returns nil; otherwise it rolls back and returns fn's error.
func (s *Store) tx(ctx context.Context, fn func(*txn) error) error {
	tx, err := s.write.begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("rollback: %w", rerr))
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// dbTime converts t to the stored form: microseconds since the Unix epoch,
// or nil (NULL) for the zero time.
func dbTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// scanTime converts a stored time back: the zero time for NULL, else the
// instant in UTC.
func scanTime(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}
