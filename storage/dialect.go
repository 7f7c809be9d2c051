package storage

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// dialect is the SQL flavour of a Store's database. Queries are written once,
// with ? placeholders and the SQL both SQLite and PostgreSQL accept (ON
// CONFLICT ... DO UPDATE/NOTHING, RETURNING); the few statements that
// differ ask the dialect. Times are BIGINT microseconds and flags INTEGER
// 0/1 in both, so scanning is the same.
type dialect int

const (
	sqliteDialect dialect = iota
	postgresDialect
)

// String is the name used by storage.driver.
func (d dialect) String() string {
	if d == postgresDialect {
		return DriverPostgres
	}
	return DriverSQLite
}

// db is a connection pool that speaks the Store's dialect: it rewrites ?
// placeholders to $1, $2, ... for PostgreSQL and makes arguments storable
// (see arg). Its methods shadow *sql.DB's, so queries read the same for
// both drivers.
type db struct {
	*sql.DB
	dialect dialect
	rebinds *sync.Map // query -> rebound query (PostgreSQL only)
}

func newDB(pool *sql.DB, d dialect) *db {
	return &db{DB: pool, dialect: d, rebinds: new(sync.Map)}
}

func (d *db) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return d.DB.ExecContext(ctx, d.rebind(query), d.args(args)...)
}

func (d *db) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return d.DB.QueryContext(ctx, d.rebind(query), d.args(args)...)
}

func (d *db) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return d.DB.QueryRowContext(ctx, d.rebind(query), d.args(args)...)
}

// begin starts a transaction in the pool's dialect.
func (d *db) begin(ctx context.Context) (*txn, error) {
	tx, err := d.DB.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &txn{Tx: tx, db: d}, nil
}

// txn is a transaction that speaks its pool's dialect (see db).
type txn struct {
	*sql.Tx
	db *db
}

func (t *txn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(ctx, t.db.rebind(query), t.db.args(args)...)
}

func (t *txn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(ctx, t.db.rebind(query), t.db.args(args)...)
}

func (t *txn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(ctx, t.db.rebind(query), t.db.args(args)...)
}

// PrepareContext prepares query in the transaction; the statement's
// arguments are made storable like the transaction's own.
func (t *txn) PrepareContext(ctx context.Context, query string) (*stmt, error) {
	st, err := t.Tx.PrepareContext(ctx, t.db.rebind(query))
	if err != nil {
		return nil, err
	}
	return &stmt{Stmt: st, db: t.db}, nil
}

// stmt is a prepared statement of a txn.
type stmt struct {
	*sql.Stmt
	db *db
}

func (s *stmt) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	return s.Stmt.ExecContext(ctx, s.db.args(args)...)
}

// placeholders is a parenthesized list of n ? placeholders: "(?, ?, ?)"
// for 3, as a multi-row INSERT's row or an IN list takes them.
func placeholders(n int) string {
	if n <= 0 {
		return "()"
	}
	return "(?" + strings.Repeat(", ?", n-1) + ")"
}

// lockKey takes the PostgreSQL transaction-level advisory lock (space,
// hashtext(key)) in tx, held until tx ends, so processes sharing the store
// run what follows one at a time per key. It does nothing on SQLite, whose
// single writer already serializes write transactions.
func (s *Store) lockKey(ctx context.Context, tx *txn, space int32, key string) error {
	if s.write.dialect != postgresDialect {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?, hashtext(?))`, space, key)
	return err // the caller says which lock
}

// rebind rewrites the ? placeholders of query to PostgreSQL's $N, leaving
// quoted text ('...', "...") and comments alone. SQLite queries are
// returned as they are.
func (d *db) rebind(query string) string {
	if d.dialect != postgresDialect {
		return query
	}
	if v, ok := d.rebinds.Load(query); ok {
		return v.(string)
	}
	out := rebindDollar(query)
	d.rebinds.Store(query, out)
	return out
}

// rebindDollar numbers the ? placeholders of query as $1, $2, ...
func rebindDollar(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			end := strings.IndexByte(query[i+1:], c)
			if end < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+end+2])
			i += end + 1
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			end := strings.IndexByte(query[i:], '\n')
			if end < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+end+1])
			i += end
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// args makes arguments storable in the dialect. For PostgreSQL, bools
// become 0/1 (flags are INTEGER columns, as in SQLite) and text loses what
// PostgreSQL's text type refuses: NUL characters and invalid UTF-8 (a page
// or feed may carry either; SQLite keeps them, and no reader needs them).
func (d *db) args(args []any) []any {
	if d.dialect != postgresDialect {
		return args
	}
	var out []any
	for i, a := range args {
		v, changed := pgArg(a)
		if !changed {
			continue
		}
		if out == nil {
			out = make([]any, len(args))
			copy(out, args)
		}
		out[i] = v
	}
	if out == nil {
		return args
	}
	return out
}

// pgArg converts one argument for PostgreSQL; changed is false when a is
// stored as it is.
func pgArg(a any) (v any, changed bool) {
	switch x := a.(type) {
	case bool:
		if x {
			return int64(1), true
		}
		return int64(0), true
	case string:
		if strings.IndexByte(x, 0) < 0 && utf8.ValidString(x) {
			return a, false
		}
		return storableText(x), true
	case []byte:
		return a, false
	}
	return a, false
}

// storableText is s without NUL characters, with invalid UTF-8 replaced by
// U+FFFD.
func storableText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "")
}
