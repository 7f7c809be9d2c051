package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
)

// TableCount is what CopyFrom did to one table.
type TableCount struct {
	Table string
	// Rows is how many rows CopyFrom inserted into the destination; rows it
	// already had (an earlier, interrupted copy) are left as they are.
	Rows int
	// Source is how many rows the table has in the source.
	Source int
}

// copyTable is one table CopyFrom copies.
type copyTable struct {
	name string
	// id is the column of a surrogate key that other tables reference ("" when
	// there is none). Ids are copied as they are, so the references stay
	// right, and the destination's identity sequence is advanced past them.
	id string
	// identity are the columns that say which row an id stands for. A row the
	// destination already has under the id must agree on them: otherwise the
	// destination held other data and the references copied after it would
	// point at the wrong rows.
	identity []string
}

// copyPlan returns the tables CopyFrom copies, each after the tables its
// foreign keys reference, and the tables it leaves out, with the reason.
// Every table of the schema must be in one of the two: a migration that
// adds a table adds it here too, or CopyFrom refuses to run.
func copyPlan() (copied []copyTable, skipped map[string]string) {
	copied = []copyTable{
		{name: "articles"},
		{name: "article_urls"}, // -> articles
		{name: "summaries"},
		{name: "usage"},
		{name: "threads"},
		{name: "thread_articles"}, // -> threads
		{name: "turns", id: "id", identity: []string{"thread_id", "at"}}, // -> threads
		{name: "feeds"},
		{name: "guild_feeds"}, // -> feeds
		{name: "guild_feed_seeds"},
		{name: "items", id: "id", identity: []string{"feed_url", "item_id"}}, // -> feeds
		{name: "digest_schedules"},
		{name: "digests", id: "id", identity: []string{"channel_id", "slot"}},
		{name: "digest_items"}, // -> digests, items
		{name: "digest_parts"}, // -> digests
		{name: "deliveries"},   // -> items, digests
		{name: "posted_cves"},
		// Intel: all of it, EPSS's 300,000 rows too. intel_sources keeps the
		// validators (ETag, Last-Modified) of the data copied with it; a
		// store with the validators but not the data would be answered
		// 304 Not Modified and stay empty until the source changes. KEV's
		// first_seen_at and baseline say which entries were already alerted.
		{name: "intel_sources"},
		{name: "kev"},
		{name: "epss"},
		{name: "cve_records"},
		// KEV alerts: the settings, and what each channel was sent (with
		// in-flight claims, which lapse by themselves), so the copy neither
		// alerts a channel twice nor forgets a channel's place in the catalog.
		{name: "kev_alert_channels"},
		{name: "kev_alerts"},
		{name: "watches", id: "id", identity: []string{"guild_id", "channel_id", "term_key"}},
		{name: "watch_alerts"}, // -> watches (ids in text)
	}
	skipped = map[string]string{
		"schema_migrations":  "both stores are migrated by Open",
		"job_claims":         "transient: leases of running jobs",
		"token_reservations": "transient: tokens of LLM requests in flight",
		"watch_version":      "a change counter: the destination's own starts its processes' indexes afresh",
	}
	return copied, skipped
}

// CopyFrom copies the contents of src into s, table by table, and returns
// what it did per table, in the order it copied them (on an error, the
// tables done before it). Both stores must be at the same schema version
// (open both with this program first). It is how a bot that outgrows one
// process moves its SQLite store into PostgreSQL; run it while no process
// uses either store.
//
// Rows keep their ids (items, digests and turns are referenced by id) and
// go in batches of multi-row INSERTs, one transaction per batch, with ON
// CONFLICT DO NOTHING: a copy interrupted halfway is completed by running
// it again, and a rerun after a complete copy inserts nothing. A row the
// destination already has is not updated. If the destination holds a
// different row under an id the source uses, CopyFrom stops with an error
// rather than point references at it: copy into an empty store, or one an
// earlier copy of the same source filled. Into PostgreSQL, the identity
// sequences are advanced past the copied ids afterwards, so later inserts
// do not collide with them.
//
// Not copied: schema_migrations (both stores are migrated), job_claims and
// token_reservations (transient: they describe jobs and LLM requests of
// running processes, which lapse by themselves). Every other table of the
// source's schema must be in the copy plan (copyPlan): an unknown table is
// an error, so a table a later migration adds cannot be skipped silently.
func (s *Store) CopyFrom(ctx context.Context, src *Store) ([]TableCount, error) {
	if err := s.checkCopySource(ctx, src); err != nil {
		return nil, fmt.Errorf("copy store: %w", err)
	}
	plan, err := src.copyTables(ctx)
	if err != nil {
		return nil, fmt.Errorf("copy store: %w", err)
	}
	var counts []TableCount
	for _, t := range plan {
		c, err := s.copyTableFrom(ctx, src, t)
		if err != nil {
			return counts, fmt.Errorf("copy store: table %s: %w", t.name, err)
		}
		s.logger.InfoContext(ctx, "copied table", "table", t.name, "rows", c.Rows, "source_rows", c.Source)
		counts = append(counts, c)
	}
	if s.write.dialect == postgresDialect {
		if err := s.advanceIdentities(ctx, plan); err != nil {
			return counts, fmt.Errorf("copy store: %w", err)
		}
	}
	return counts, nil
}

// checkCopySource refuses a source that is s itself, or at another schema
// version.
func (s *Store) checkCopySource(ctx context.Context, src *Store) error {
	same := src == s
	if !same && s.write.dialect == sqliteDialect && src.write.dialect == sqliteDialect {
		var err error
		if same, err = sameSQLiteFile(ctx, s, src); err != nil {
			return err
		}
	}
	if same {
		return errors.New("the source and the destination are the same database")
	}
	from, err := src.schemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	to, err := s.schemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	if from != to {
		return fmt.Errorf("the source's schema is at version %d, the destination's at %d: open both with the same program first", from, to)
	}
	return nil
}

// sameSQLiteFile reports whether two SQLite stores are one file.
func sameSQLiteFile(ctx context.Context, a, b *Store) (bool, error) {
	fa, err := a.sqliteFile(ctx)
	if err != nil {
		return false, err
	}
	fb, err := b.sqliteFile(ctx)
	if err != nil {
		return false, err
	}
	if fa == "" || fb == "" { // in memory: private to its Store
		return false, nil
	}
	ia, errA := os.Stat(fa)
	ib, errB := os.Stat(fb)
	if errA != nil || errB != nil {
		return fa == fb, nil
	}
	return os.SameFile(ia, ib), nil
}

// sqliteFile is the file of an SQLite store ("" in memory).
func (s *Store) sqliteFile(ctx context.Context) (string, error) {
	var file string
	if err := s.write.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file); err != nil {
		return "", fmt.Errorf("database file: %w", err)
	}
	return file, nil
}

// copyTables is the copy plan checked against s's schema: the tables of
// copyPlan, after an error if s has a table the plan neither copies nor
// skips, or lacks one it copies.
func (s *Store) copyTables(ctx context.Context) ([]copyTable, error) {
	names, err := s.tableNames(ctx)
	if err != nil {
		return nil, err
	}
	plan, skipped := copyPlan()
	var unknown []string
	for _, n := range names {
		if _, skip := skipped[n]; !skip && !slices.ContainsFunc(plan, func(t copyTable) bool { return t.name == n }) {
			unknown = append(unknown, n)
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("the source has tables this program does not know how to copy: %s (add them to storage's copy plan)",
			strings.Join(unknown, ", "))
	}
	for _, t := range plan {
		if !slices.Contains(names, t.name) {
			return nil, fmt.Errorf("the source has no table %s", t.name)
		}
	}
	return plan, nil
}

// tableNames lists the tables of s's schema, sorted.
func (s *Store) tableNames(ctx context.Context) ([]string, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 7) <> 'sqlite_'`
	if s.read.dialect == postgresDialect {
		q = `SELECT table_name::text FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	names, err := s.queryNames(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	slices.Sort(names)
	return names, nil
}

// tableColumns lists the columns of table in s, in their order.
func (s *Store) tableColumns(ctx context.Context, table string) ([]string, error) {
	q := `SELECT name FROM pragma_table_info(?) ORDER BY cid`
	if s.read.dialect == postgresDialect {
		q = `SELECT column_name::text FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`
	}
	cols, err := s.queryNames(ctx, q, table)
	if err != nil {
		return nil, fmt.Errorf("list columns: %w", err)
	}
	return cols, nil
}

// queryNames runs a query of one text column and checks every value is a
// plain lower-case SQL name, safe to write into a statement.
func (s *Store) queryNames(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		if !plainName(n) {
			return nil, fmt.Errorf("unexpected name %q", n)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// plainName reports whether n is a lower-case SQL name of letters, digits
// and underscores: a name of our schema, which needs no quoting.
func plainName(n string) bool {
	if n == "" || n[0] >= '0' && n[0] <= '9' {
		return false
	}
	for _, c := range []byte(n) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// copyColumns returns the columns of t, after checking that the source and
// the destination have the same ones.
func (s *Store) copyColumns(ctx context.Context, src *Store, t copyTable) ([]string, error) {
	from, err := src.tableColumns(ctx, t.name)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	to, err := s.tableColumns(ctx, t.name)
	if err != nil {
		return nil, fmt.Errorf("destination: %w", err)
	}
	a, b := slices.Sorted(slices.Values(from)), slices.Sorted(slices.Values(to))
	if !slices.Equal(a, b) {
		return nil, fmt.Errorf("the source's columns (%s) differ from the destination's (%s)",
			strings.Join(a, ", "), strings.Join(b, ", "))
	}
	for _, c := range append([]string{t.id}, t.identity...) {
		if c != "" && !slices.Contains(from, c) {
			return nil, fmt.Errorf("no column %s", c)
		}
	}
	return from, nil
}

// copyTableFrom copies one table of src into s: it reads the source in one
// query and inserts its rows in batches.
func (s *Store) copyTableFrom(ctx context.Context, src *Store, t copyTable) (TableCount, error) {
	count := TableCount{Table: t.name}
	cols, err := s.copyColumns(ctx, src, t)
	if err != nil {
		return count, err
	}
	query := "SELECT " + strings.Join(cols, ", ") + " FROM " + t.name
	if t.id != "" {
		query += " ORDER BY " + t.id // the destination's index fills in order
	}
	rows, err := src.read.QueryContext(ctx, query)
	if err != nil {
		return count, fmt.Errorf("read source: %w", err)
	}
	defer rows.Close()
	ins := copyInsert{table: t, cols: cols, batchRows: max(1, min(copyBatchRows, copyBatchParams/len(cols)))}
	batch := make([][]any, 0, ins.batchRows)
	flush := func() error {
		n, err := s.insertBatch(ctx, ins, batch)
		count.Rows += n
		batch = batch[:0]
		return err
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return count, fmt.Errorf("read source: %w", err)
		}
		batch = append(batch, vals)
		count.Source++
		if len(batch) == ins.batchRows {
			if err := flush(); err != nil {
				return count, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return count, fmt.Errorf("read source: %w", err)
	}
	if len(batch) > 0 {
		if err := flush(); err != nil {
			return count, err
		}
	}
	return count, nil
}

// copyInsert is the shape of one table's batch inserts.
type copyInsert struct {
	table     copyTable
	cols      []string
	batchRows int
}

// statement is the INSERT of n rows.
func (c copyInsert) statement(n int) string {
	return multiRowInsert("INSERT INTO "+c.table.name+" ("+strings.Join(c.cols, ", ")+") VALUES ",
		len(c.cols), n, " ON CONFLICT DO NOTHING")
}

// insertBatch inserts rows in one transaction and returns how many were
// new. When some were not and the table has ids, it checks that the
// destination's rows under those ids are the same rows (see copyTable).
func (s *Store) insertBatch(ctx context.Context, c copyInsert, rows [][]any) (int, error) {
	args := make([]any, 0, len(rows)*len(c.cols))
	for _, r := range rows {
		args = append(args, r...)
	}
	inserted := 0
	err := s.tx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, c.statement(len(rows)), args...)
		if err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		inserted = int(n)
		if inserted == len(rows) || c.table.id == "" {
			return nil
		}
		return s.checkIdentities(ctx, tx, c, rows)
	})
	if err != nil {
		return 0, err
	}
	return inserted, nil
}

// checkIdentities checks that the destination has each of rows under its
// id with the same identity columns.
func (s *Store) checkIdentities(ctx context.Context, tx *txn, c copyInsert, rows [][]any) error {
	idCol := slices.Index(c.cols, c.table.id)
	idx := make([]int, len(c.table.identity))
	for i, col := range c.table.identity {
		idx[i] = slices.Index(c.cols, col)
	}
	ids := make([]any, len(rows))
	for i, r := range rows {
		ids[i] = r[idCol]
	}
	q := "SELECT " + c.table.id + ", " + strings.Join(c.table.identity, ", ") + " FROM " + c.table.name +
		" WHERE " + c.table.id + " IN " + placeholders(len(ids))
	got, err := tx.QueryContext(ctx, q, ids...)
	if err != nil {
		return fmt.Errorf("check ids: %w", err)
	}
	defer got.Close()
	have := make(map[int64][]any, len(rows))
	for got.Next() {
		var id int64
		vals := make([]any, len(idx))
		ptrs := []any{&id}
		for i := range vals {
			ptrs = append(ptrs, &vals[i])
		}
		if err := got.Scan(ptrs...); err != nil {
			return fmt.Errorf("check ids: %w", err)
		}
		have[id] = vals
	}
	if err := got.Err(); err != nil {
		return fmt.Errorf("check ids: %w", err)
	}
	for _, r := range rows {
		id, ok := r[idCol].(int64)
		if !ok {
			return fmt.Errorf("%s %v is not an integer", c.table.id, r[idCol])
		}
		dst, found := have[id]
		want := make([]any, len(idx))
		for i, j := range idx {
			want[i] = r[j]
		}
		// Compare what the destination stores (PostgreSQL drops NULs).
		want = s.write.args(want)
		if !found || !slices.EqualFunc(want, dst, sameValue) {
			return fmt.Errorf("the destination has another row under %s %d (its %s differ from the source's): "+
				"copy into an empty store, or one an earlier copy of this source filled",
				c.table.id, id, strings.Join(c.table.identity, ", "))
		}
	}
	return nil
}

// sameValue compares two scanned column values.
func sameValue(a, b any) bool {
	ab, aok := a.([]byte)
	bb, bok := b.([]byte)
	switch {
	case aok && bok:
		return bytes.Equal(ab, bb)
	case aok:
		return string(ab) == fmt.Sprint(b)
	case bok:
		return fmt.Sprint(a) == string(bb)
	}
	return a == b
}

// advanceIdentities moves each PostgreSQL identity sequence of plan past
// the largest id of its table (never back), so the next insert takes a new
// id.
func (s *Store) advanceIdentities(ctx context.Context, plan []copyTable) error {
	for _, t := range plan {
		if t.id == "" {
			continue
		}
		_, err := s.write.ExecContext(ctx, `WITH seq AS (SELECT pg_get_serial_sequence(?, ?)::regclass AS s)
			SELECT setval(seq.s, GREATEST(m.max_id, COALESCE(pg_sequence_last_value(seq.s), 1)))
			FROM seq, (SELECT MAX(`+t.id+`) AS max_id FROM `+t.name+`) m WHERE m.max_id IS NOT NULL`, t.name, t.id)
		if err != nil {
			return fmt.Errorf("advance the identity of %s.%s: %w", t.name, t.id, err)
		}
	}
	return nil
}
