package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/secbrief/secbrief/internal/defaults"
)

// Drivers of storage.driver.
const (
	// DriverSQLite is the embedded default: one file, one process.
	DriverSQLite = "sqlite"
	// DriverPostgres is the shared store of many processes.
	DriverPostgres = "postgres"
)

// DefaultLease is how long a claimed job stays one process's own when
// storage.lease is not set.
const DefaultLease = defaults.StorageLease

// Config says which database a Store opens (the storage.* keys).
type Config struct {
	// Driver is DriverSQLite (default when empty) or DriverPostgres.
	Driver string
	// Path is the SQLite file.
	Path string
	// DSN is the PostgreSQL connection string (URL or key=value form).
	DSN string
	// Lease is storage.lease; zero takes DefaultLease.
	Lease time.Duration
}

// OpenConfig opens the Store cfg names; opts apply as in Open (a lease in
// cfg comes first, so an explicit WithLease wins).
func OpenConfig(ctx context.Context, cfg Config, logger *slog.Logger, opts ...Option) (*Store, error) {
	opts = append([]Option{WithLease(cfg.Lease)}, opts...)
	switch cfg.Driver {
	case "", DriverSQLite:
		return Open(ctx, cfg.Path, logger, opts...)
	case DriverPostgres:
		return OpenPostgres(ctx, cfg.DSN, logger, opts...)
	default:
		return nil, fmt.Errorf("open storage: unknown driver %q (want %s or %s)", cfg.Driver, DriverSQLite, DriverPostgres)
	}
}

// OpenPostgres connects to the PostgreSQL database dsn names, applies any
// pending migrations (under an advisory lock, so processes starting at
// once apply each migration once) and returns the Store. Errors never
// repeat the DSN, which may hold a password.
func OpenPostgres(ctx context.Context, dsn string, logger *slog.Logger, opts ...Option) (*Store, error) {
	s := newStore(logger, opts)
	if dsn == "" {
		return nil, errors.New("open storage: empty PostgreSQL DSN")
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgconn's parse errors quote the DSN: say only what kind it was.
		return nil, errors.New("open storage: storage.dsn is not a valid PostgreSQL connection string")
	}
	cfg.MaxConns = max(cfg.MaxConns, 16)
	cfg.MaxConnIdleTime = 5 * time.Minute
	cfg.HealthCheckPeriod = 15 * time.Second
	// Check every connection before use (one round trip on a local
	// network): a connection PostgreSQL or the network dropped is then
	// replaced before a statement is lost on it, where pgxpool's default
	// checks only connections idle for a second.
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return true }
	target := fmt.Sprintf("%s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
	// A connection the server or the network dropped (or that a cancelled
	// query ended: pgx cannot tell the two apart here) is closed by the
	// pool and a new one made on demand; say so, once per loss and
	// recovery. Info, not a warning: shutting down cancels queries too.
	var lost atomic.Bool
	cfg.BeforeClose = func(c *pgx.Conn) {
		if c.PgConn().IsClosed() && lost.CompareAndSwap(false, true) {
			s.logger.Info("lost a connection to PostgreSQL (dropped, or its query cancelled); reconnecting on demand", "database", target)
		}
	}
	cfg.AfterConnect = func(ctx context.Context, _ *pgx.Conn) error {
		if lost.CompareAndSwap(true, false) {
			s.logger.InfoContext(ctx, "reconnected to PostgreSQL", "database", target)
		}
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open storage postgres %s: %w", target, err)
	}
	sqlDB := stdlib.OpenDBFromPool(pool)
	s.write = newDB(sqlDB, postgresDialect)
	s.read = s.write
	s.closePool = pool.Close
	if err := sqlDB.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open storage postgres %s: %w", target, err)
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open storage postgres %s: %w", target, err)
	}
	return s, nil
}

// Driver is the store's storage.driver: DriverSQLite or DriverPostgres.
func (s *Store) Driver() string { return s.write.dialect.String() }

// Shared reports whether several processes may share this store's jobs
// (PostgreSQL): any process may then post any guild's digest, where with
// SQLite each process keeps to its own shard's guilds.
func (s *Store) Shared() bool { return s.write.dialect == postgresDialect }

// newOwner names a Store for its leases: host, process id and random bits,
// so two Stores of one process are two owners too.
func newOwner() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "host"
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}
