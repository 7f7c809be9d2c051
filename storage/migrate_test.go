package storage

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// initOnly is the embedded 001 migration alone, as a migrations FS.
func initOnly(t *testing.T) fstest.MapFS {
	t.Helper()
	body, err := fs.ReadFile(migrationFiles, "migrations/sqlite/001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	return fstest.MapFS{"001_init.sql": {Data: body}}
}

func tableExists(t *testing.T, s *Store, name string) bool {
	t.Helper()
	var n int
	err := s.read.QueryRowContext(context.Background(),
		`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, name).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n == 1
}

func TestMigrationsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	ctx := context.Background()
	all, err := loadMigrations(mustEmbedded(t))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		s, err := Open(ctx, path, nil)
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		var rows, version int
		if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&rows, &version); err != nil {
			t.Fatal(err)
		}
		if rows != len(all) || version != all[len(all)-1].version {
			t.Errorf("open #%d: %d rows up to version %d, want %d up to %d", i+1, rows, version, len(all), all[len(all)-1].version)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func mustEmbedded(t *testing.T) fs.FS {
	t.Helper()
	fsys, err := embeddedMigrations(sqliteDialect)
	if err != nil {
		t.Fatal(err)
	}
	return fsys
}

// TestMigrationFailureRollsBack applies 001, then a 002 whose first statement
// works and whose second fails: the database stays at version 1 without the
// first statement's table, and the next Open retries 002.
func TestMigrationFailureRollsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	ctx := context.Background()
	good := initOnly(t)
	s := openTestStoreAt(t, path, withMigrations(good))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	bad := fstest.MapFS{
		"001_init.sql": good["001_init.sql"],
		"002_bad.sql":  {Data: []byte("CREATE TABLE half_done (x INTEGER);\nINSERT INTO no_such_table VALUES (1);\n")},
	}
	if s, err := Open(ctx, path, nil, withMigrations(bad)); err == nil {
		s.Close()
		t.Fatal("Open with a failing migration succeeded")
	} else if !strings.Contains(err.Error(), "002_bad.sql") {
		t.Errorf("error %q does not name the migration", err)
	}

	s = openTestStoreAt(t, path, withMigrations(good))
	v, err := s.schemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v != 1 {
		t.Errorf("schema version after failed 002 = %d, want 1", v)
	}
	if tableExists(t, s, "half_done") {
		t.Error("table from the failed migration survived")
	}
}

func TestMigrationsNumericOrder(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		// 10 depends on 2; lexical order would run 10 first and fail.
		fsys := fstest.MapFS{
			"10_use.sql":   {Data: []byte("INSERT INTO later (x) VALUES (1);")},
			"2_create.sql": {Data: []byte("CREATE TABLE later (x INTEGER);")},
			"notes.txt":    {Data: []byte("not a migration")},
		}
		s := open(t, withMigrations(fsys))
		v, err := s.schemaVersion(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if v != 10 {
			t.Errorf("version = %d, want 10", v)
		}
	})
}

func TestSchemaTooNew(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	newer := initOnly(t)
	newer["002_extra.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE extra (x INTEGER);")}
	s := openTestStoreAt(t, path, withMigrations(newer))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), path, nil, withMigrations(initOnly(t)))
	if err == nil {
		s.Close()
		t.Fatal("older program opened a newer database")
	}
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("err = %v, want ErrSchemaTooNew", err)
	}
}

func TestLoadMigrationsRejects(t *testing.T) {
	cases := []struct {
		name string
		fsys fstest.MapFS
	}{
		{"no number", fstest.MapFS{"init.sql": {}}},
		{"no underscore", fstest.MapFS{"001.sql": {}}},
		{"zero", fstest.MapFS{"000_x.sql": {}}},
		{"duplicate version", fstest.MapFS{"1_a.sql": {}, "001_b.sql": {}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := loadMigrations(c.fsys); err == nil {
				t.Error("loadMigrations succeeded")
			}
		})
	}
}

func TestEmbeddedMigrationsLoad(t *testing.T) {
	ms, err := loadMigrations(mustEmbedded(t))
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if m.version != i+1 {
			t.Errorf("migration %s has version %d, want %d (no gaps)", m.name, m.version, i+1)
		}
	}
}
