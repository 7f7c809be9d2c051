package storage

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Migrations are the files migrations/<dialect>/NNN_name.sql, applied in
// numeric order, each in its own transaction together with its row in
// schema_migrations. Both dialects have the same numbers and the same
// schema, each in its own SQL: to change the schema, add the next number to
// both (a test compares them); never edit a file that has shipped. A SQLite
// migration must not change PRAGMAs that cannot run inside a transaction
// (foreign_keys, journal_mode).
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// migrationLock is the PostgreSQL advisory lock key every migration
// transaction takes first, so processes starting at once wait for each
// other instead of racing (the bytes of "secbrief").
const migrationLock = 0x7365636272696566

// ErrSchemaTooNew is returned by Open when the database has migrations
// applied that this binary does not know: it was written by a newer version.
var ErrSchemaTooNew = errors.New("database schema is newer than this program")

// migration is one schema change.
type migration struct {
	version int
	name    string // file name, for logs and schema_migrations
	sql     string
}

// embeddedMigrations is the dialect's migrations directory compiled into
// the binary.
func embeddedMigrations(d dialect) (fs.FS, error) {
	sub, err := fs.Sub(migrationFiles, "migrations/"+d.String())
	if err != nil {
		return nil, fmt.Errorf("embedded migrations: %w", err)
	}
	return sub, nil
}

// loadMigrations reads every *.sql file at the root of fsys, sorted by
// version. File names must start with a positive number followed by '_'.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	var ms []migration
	seen := map[int]string{}
	for _, name := range names {
		num, _, ok := strings.Cut(path.Base(name), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNN_name.sql", name)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %d", prev, name, v)
		}
		seen[v] = name
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(body)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	return ms, nil
}

// migrate applies the pending migrations. Each runs in its own transaction
// (SQLite: IMMEDIATE; PostgreSQL: holding the migration advisory lock) that
// first re-reads the applied versions, so two processes opening one
// database at once apply each migration once. A failing migration rolls
// back whole: the database stays at the previous version.
func (s *Store) migrate(ctx context.Context) error {
	fsys := s.migrations
	if fsys == nil {
		var err error
		if fsys, err = embeddedMigrations(s.write.dialect); err != nil {
			return err
		}
	}
	ms, err := loadMigrations(fsys)
	if err != nil {
		return err
	}
	if err := s.migrationTx(ctx, func(tx *txn) error {
		integer := "INTEGER"
		if s.write.dialect == postgresDialect {
			integer = "BIGINT"
		}
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    `+integer+` PRIMARY KEY,
			name       TEXT    NOT NULL,
			applied_at `+integer+` NOT NULL
		)`)
		return err
	}); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	latest := 0
	if len(ms) > 0 {
		latest = ms[len(ms)-1].version
	}
	var current int
	if err := s.write.QueryRowContext(ctx,
		`SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > latest {
		return fmt.Errorf("%w: database at version %d, this program knows up to %d", ErrSchemaTooNew, current, latest)
	}
	for _, m := range ms {
		applied := false
		err := s.migrationTx(ctx, func(tx *txn) error {
			var n int
			if err := tx.QueryRowContext(ctx,
				`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
				return fmt.Errorf("read schema_migrations: %w", err)
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, s.now().UnixMicro()); err != nil {
				return fmt.Errorf("record: %w", err)
			}
			applied = true
			return nil
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if applied {
			s.logger.InfoContext(ctx, "applied migration", "version", m.version, "migration", m.name)
		}
	}
	return nil
}

// migrationTx runs fn in a write transaction that, with PostgreSQL, first
// takes the migration advisory lock (released at commit or rollback).
func (s *Store) migrationTx(ctx context.Context, fn func(*txn) error) error {
	return s.tx(ctx, func(tx *txn) error {
		if s.write.dialect == postgresDialect {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(migrationLock)); err != nil {
				return fmt.Errorf("migration lock: %w", err)
			}
		}
		return fn(tx)
	})
}

// schemaVersion is the highest applied migration version.
func (s *Store) schemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}
