package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/secbrief/secbrief/internal/pgtest"
)

func TestRebindDollar(t *testing.T) {
	cases := []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT a FROM t WHERE b = ? AND c = ?`, `SELECT a FROM t WHERE b = $1 AND c = $2`},
		{`SELECT '?' , ? FROM t`, `SELECT '?' , $1 FROM t`},
		{`SELECT "we?ird", ? -- why?` + "\n" + `WHERE x = ?`, `SELECT "we?ird", $1 -- why?` + "\n" + `WHERE x = $2`},
		{`SELECT 'it''s', ?`, `SELECT 'it''s', $1`},
		{`SELECT 'unterminated ?`, `SELECT 'unterminated ?`},
		{`-- only a comment ?`, `-- only a comment ?`},
	}
	for _, c := range cases {
		if got := rebindDollar(c.in); got != c.want {
			t.Errorf("rebindDollar(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestPlaceholders(t *testing.T) {
	cases := []struct {
		n    int
		want string
	}{
		{0, "()"},
		{1, "(?)"},
		{3, "(?, ?, ?)"},
	}
	for _, c := range cases {
		if got := placeholders(c.n); got != c.want {
			t.Errorf("placeholders(%d) = %q, want %q", c.n, got, c.want)
		}
	}
	if got, want := multiRowInsert("INSERT INTO t (a, b) VALUES ", 2, 2, " ON CONFLICT DO NOTHING"),
		"INSERT INTO t (a, b) VALUES (?, ?), (?, ?) ON CONFLICT DO NOTHING"; got != want {
		t.Errorf("multiRowInsert = %q, want %q", got, want)
	}
}

func TestPostgresArgs(t *testing.T) {
	d := newDB(nil, postgresDialect)
	in := []any{true, false, "ok", "nul\x00byte", "bad\xffutf8", int64(7), []byte("raw")}
	got := d.args(in)
	want := []any{int64(1), int64(0), "ok", "nulbyte", "bad\uFFFDutf8", int64(7), []byte("raw")}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("args = %#v, want %#v", got, want)
	}
	if in[0] != true {
		t.Error("args changed the caller's slice")
	}
	if s := newDB(nil, sqliteDialect); fmt.Sprint(s.args(in)) != fmt.Sprint(in) {
		t.Error("SQLite arguments were changed")
	}
}

// TestMigrationsSameInBothDialects: every migration exists for both
// drivers under the same version and name.
func TestMigrationsSameInBothDialects(t *testing.T) {
	names := func(d dialect) []string {
		fsys, err := embeddedMigrations(d)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := loadMigrations(fsys)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, m.name)
		}
		return out
	}
	lite, pg := names(sqliteDialect), names(postgresDialect)
	if len(lite) == 0 || !slices.Equal(lite, pg) {
		t.Errorf("migrations differ:\nsqlite   %v\npostgres %v", lite, pg)
	}
}

// TestSchemasMatch: after all migrations both databases have the same
// tables with the same columns.
func TestSchemasMatch(t *testing.T) {
	ctx := context.Background()
	lite := openTestStore(t)
	pg := openTestPostgres(t)
	columns := func(s *Store, query string) []string {
		rows, err := s.read.QueryContext(ctx, query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var table, column string
			if err := rows.Scan(&table, &column); err != nil {
				t.Fatal(err)
			}
			out = append(out, table+"."+column)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		slices.Sort(out)
		return out
	}
	liteCols := columns(lite, `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`)
	pgCols := columns(pg, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema()`)
	if len(liteCols) < 20 || !slices.Equal(liteCols, pgCols) {
		t.Errorf("schemas differ:\nsqlite   %v\npostgres %v", liteCols, pgCols)
	}
}

// TestPostgresConcurrentOpen: processes starting at once on a new database
// apply each migration once (the advisory lock), and all of them open.
func TestPostgresConcurrentOpen(t *testing.T) {
	dsn := pgtest.New(t)
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	stores := make([]*Store, n)
	for i := range n {
		wg.Go(func() {
			stores[i], errs[i] = OpenPostgres(context.Background(), dsn, testLogger(t))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	var rows, distinct int
	if err := stores[0].read.QueryRowContext(context.Background(),
		`SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	fsys, _ := embeddedMigrations(postgresDialect)
	ms, _ := loadMigrations(fsys)
	if rows != len(ms) || distinct != len(ms) {
		t.Errorf("schema_migrations has %d rows (%d versions), want %d once each", rows, distinct, len(ms))
	}
}

// TestOpenPostgresErrorsHideDSN: a DSN that does not parse, or names a
// server that refuses, never comes back in the error (it may hold a
// password).
func TestOpenPostgresErrorsHideDSN(t *testing.T) {
	for _, dsn := range []string{
		"postgres://user:s3cr3t@127.0.0.1:1/db?sslmode=disable&connect_timeout=2",
		"postgres://user:s3cr3t@[::1/db",
		"host=127.0.0.1 port=1 password=s3cr3t connect_timeout=2 sslmode=disable",
	} {
		_, err := OpenPostgres(context.Background(), dsn, nil)
		if err == nil {
			t.Fatalf("OpenPostgres succeeded on a closed port")
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("error repeats the password: %v", err)
		}
	}
}
