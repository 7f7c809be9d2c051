package pgtest

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestWithDatabase(t *testing.T) {
	tests := []struct {
		name, dsn, db, want string
	}{
		{"url", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "secbrief_t_0123456789abcdef",
			"postgres://postgres@127.0.0.1:5432/secbrief_t_0123456789abcdef?sslmode=disable"},
		{"url with postgresql scheme and password", "postgresql://u:p%40ss@db.example:6543/app", "x",
			"postgresql://u:p%40ss@db.example:6543/x"},
		{"url without a database", "postgres://postgres@127.0.0.1:5432", "x", "postgres://postgres@127.0.0.1:5432/x"},
		{"url without a database, with a slash", "postgres://postgres@127.0.0.1/?sslmode=disable", "x",
			"postgres://postgres@127.0.0.1/x?sslmode=disable"},
		{"url with a dbname parameter", "postgres://h/a?dbname=b&sslmode=disable", "x", "postgres://h/x?sslmode=disable"},
		{"url, a name that needs escaping", "postgres://h/a", "my db", "postgres://h/my%20db"},
		{"keywords", "host=127.0.0.1 port=5432 user=postgres dbname=test sslmode=disable", "x",
			"host=127.0.0.1 port=5432 user=postgres dbname=x sslmode=disable"},
		{"keywords, dbname last", "host=h dbname=test", "x", "host=h dbname=x"},
		{"keywords, spaces around =", "host = h dbname = test  user=u", "x", "host = h dbname = x  user=u"},
		{"keywords, quoted dbname", `host=h dbname='my \'db\'' user=u`, "x", "host=h dbname=x user=u"},
		{"keywords, dbname twice", "dbname=a host=h dbname=b", "x", "dbname=x host=h dbname=x"},
		{"keywords without dbname", "host=h user=u ", "x", "host=h user=u dbname=x"},
		{"keywords, a quoted value that looks like a dbname", `password='dbname=a b' host=h`, "x",
			`password='dbname=a b' host=h dbname=x`},
		{"keywords, an escaped space in a value", `password=a\ dbname=b host=h`, "x", `password=a\ dbname=b host=h dbname=x`},
		{"keywords, a name that needs quoting", "dbname=a", `it's a\b`, `dbname='it\'s a\\b'`},
		{"empty", "", "x", "dbname=x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := WithDatabase(tc.dsn, tc.db)
			if err != nil {
				t.Fatalf("WithDatabase(%q, %q): %v", tc.dsn, tc.db, err)
			}
			if got != tc.want {
				t.Errorf("WithDatabase(%q, %q) = %q, want %q", tc.dsn, tc.db, got, tc.want)
			}
			// pgx, which storage will connect with, must read the name back.
			cfg, err := pgx.ParseConfig(got)
			if err != nil {
				t.Fatalf("pgx.ParseConfig(%q): %v", got, err)
			}
			if cfg.Database != tc.db {
				t.Errorf("pgx reads database %q from %q, want %q", cfg.Database, got, tc.db)
			}
		})
	}
}

func TestWithDatabaseErrors(t *testing.T) {
	tests := []struct {
		name, dsn, db, want string
	}{
		{"empty name", "host=h", "", "empty database name"},
		{"setting without =", "host=h dbname", "x", `"dbname" has no "="`},
		{"unterminated quote", "host='h dbname=a", "x", "unterminated"},
		{"bad url", "postgres://u:secret@h:port/db", "x", "not a valid URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := WithDatabase(tc.dsn, tc.db)
			if err == nil {
				t.Fatalf("WithDatabase(%q, %q) = %q, want an error", tc.dsn, tc.db, got)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("WithDatabase(%q, %q): %v, want it to say %q", tc.dsn, tc.db, err, tc.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("WithDatabase(%q, %q): %v shows the password", tc.dsn, tc.db, err)
			}
		})
	}
}
