package storage

import (
	"context"
	"github.com/secbrief/secbrief/internal/pgtest"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"
)

// testClock is a settable clock for deterministic timestamps.
type testClock struct{ t time.Time }

func (c *testClock) Now() time.Time { return c.t }

// openTestStore opens a Store on a fresh file in t.TempDir() and closes it
// when the test ends. Other storage tests (feeds, digests) use it too.
func openTestStore(t testing.TB, opts ...Option) *Store {
	t.Helper()
	return openTestStoreAt(t, filepath.Join(t.TempDir(), "test.db"), opts...)
}

// openTestStoreAt opens a Store on path and closes it when the test ends.
func openTestStoreAt(t testing.TB, path string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, testLogger(t), opts...)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// storeOpener opens a fresh, empty Store for a test and closes it when the
// test ends.
type storeOpener func(t testing.TB, opts ...Option) *Store

// forEachDriver runs test once per driver, as subtests "sqlite" and
// "postgres": the store's contract suite. The PostgreSQL run gets its own
// database (internal/pgtest) and skips, loudly, when SECBRIEF_TEST_POSTGRES
// is unset.
func forEachDriver(t *testing.T, test func(t *testing.T, open storeOpener)) {
	t.Helper()
	t.Run(DriverSQLite, func(t *testing.T) { test(t, openTestStore) })
	t.Run(DriverPostgres, func(t *testing.T) { test(t, openTestPostgres) })
}

// openTestPostgres opens a Store on a new database of the test PostgreSQL
// server, dropped when the test ends.
func openTestPostgres(t testing.TB, opts ...Option) *Store {
	t.Helper()
	dsn := pgtest.New(t)
	s, err := OpenPostgres(context.Background(), dsn, testLogger(t), opts...)
	if err != nil {
		t.Fatalf("OpenPostgres: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// sqliteOnly skips a test of how the store uses SQLite itself (pragmas,
// query plans, files).
func sqliteOnly(t testing.TB, s *Store) {
	t.Helper()
	if s.Driver() != DriverSQLite {
		t.Skip("SQLite only")
	}
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(t.Output(), nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func TestOpenPragmas(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	cases := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"busy_timeout", "10000"},
		{"foreign_keys", "1"},
		{"synchronous", "1"}, // NORMAL
	}
	for _, pool := range []struct {
		name string
		db   *db
	}{{"write", s.write}, {"read", s.read}} {
		db := pool.db
		for _, c := range cases {
			t.Run(pool.name+"/"+c.pragma, func(t *testing.T) {
				var got string
				if err := db.QueryRowContext(ctx, "PRAGMA "+c.pragma).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if got != c.want {
					t.Errorf("PRAGMA %s = %q, want %q", c.pragma, got, c.want)
				}
			})
		}
	}
	t.Run("read pool is read-only", func(t *testing.T) {
		if _, err := s.read.ExecContext(ctx, `DELETE FROM articles`); err == nil {
			t.Error("write through the read pool succeeded")
		}
	})
}

func TestOpenErrors(t *testing.T) {
	cases := []struct {
		name string
		path string
	}{
		{"empty path", ""},
		{"question mark", filepath.Join(t.TempDir(), "a?b.db")},
		{"missing directory", filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Open(context.Background(), c.path, nil)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded", c.path)
			}
		})
	}
}

func TestOpenMemory(t *testing.T) {
	s, err := Open(context.Background(), ":memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, err := s.schemaVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v < 1 {
		t.Errorf("schema version %d, want >= 1", v)
	}
}
