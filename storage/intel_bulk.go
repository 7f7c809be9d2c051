package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/secbrief/secbrief/news"
)

// The batch limits of the multi-row INSERTs (multiRowInsert): a batch has
// at most Rows rows and Params parameters. Both dialects bind far more
// (SQLite 32766, PostgreSQL 65535). The two pairs differ for their loads,
// not their dialects.
const (
	// maxRowsPerInsert and maxParams bound insertRows (the intel bulk
	// loads: EPSS, KEV), whose rows are narrow and many.
	maxRowsPerInsert = 1000
	maxParams        = 30000

	// copyBatchRows and copyBatchParams bound CopyFrom's inserts: batches
	// this size already spend their time in the database, not in round
	// trips (see BenchmarkCopyFrom: 100,000 items of 600 bytes into a local
	// PostgreSQL take 3 to 10 s on a loaded 2-core machine, with batches of
	// 200 to 2000 rows alike).
	copyBatchRows   = 500
	copyBatchParams = 8000
)

// insertRows inserts n rows of cols columns with multi-row INSERTs:
// head is "INSERT INTO t (...) VALUES ", tail what follows the rows (an
// ON CONFLICT clause, or nothing), and row appends row i's arguments to
// args. One statement carries many rows, so a bulk load costs a few
// hundred round trips instead of one per row.
func insertRows(ctx context.Context, tx *txn, head string, cols int, tail string, n int,
	row func(i int, args []any) []any) error {
	per := min(maxRowsPerInsert, maxParams/cols)
	var full string // the statement of a whole chunk, built once
	args := make([]any, 0, per*cols)
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		args = args[:0]
		for i := start; i < end; i++ {
			args = row(i, args)
		}
		query := full
		if end-start != per || full == "" {
			query = multiRowInsert(head, cols, end-start, tail)
			if end-start == per {
				full = query
			}
		}
		if _, err := tx.ExecContext(ctx, query, args...); err != nil {
			return fmt.Errorf("insert rows %d-%d: %w", start, end, err)
		}
	}
	return nil
}

// multiRowInsert is head, rows groups of cols placeholders, and tail.
func multiRowInsert(head string, cols, rows int, tail string) string {
	group := placeholders(cols)
	var b strings.Builder
	b.Grow(len(head) + rows*(len(group)+2) + len(tail))
	b.WriteString(head)
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(group)
	}
	b.WriteString(tail)
	return b.String()
}

// ReplaceEPSS makes set the stored EPSS scores, replacing the previous
// day's whole, and st (its Source news.IntelEPSS) the source's state, in
// one transaction: readers see the old day's scores until it commits. It
// returns how many scores it stored (a CVE listed twice keeps its last
// row).
//
// SQLite deletes and inserts (multi-row INSERTs) in one transaction.
// PostgreSQL loads a new table and swaps it in at the end, which is twice
// as fast as deleting 300,000 rows and inserting them again into one
// table, and locks readers out only for the swap.
func (s *Store) ReplaceEPSS(ctx context.Context, set news.EPSSSet, st news.SourceStatus) (int, error) {
	st.Source = news.IntelEPSS
	if st.DataDate.IsZero() {
		st.DataDate = set.ScoreDate
	}
	if st.Version == "" {
		st.Version = set.ModelVersion
	}
	scores := lastScores(set.Scores)
	err := s.tx(ctx, func(tx *txn) error {
		if s.write.dialect == postgresDialect {
			if err := loadEPSSPostgres(ctx, tx, scores); err != nil {
				return err
			}
		} else {
			if _, err := tx.ExecContext(ctx, `DELETE FROM epss`); err != nil {
				return err
			}
			err := insertRows(ctx, tx, `INSERT INTO epss (cve_id, probability, percentile) VALUES `, 3, "",
				len(scores), func(i int, args []any) []any {
					return append(args, scores[i].CVEID, scores[i].Probability, scores[i].Percentile)
				})
			if err != nil {
				return err
			}
		}
		var n int64
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM epss`).Scan(&n); err != nil {
			return err
		}
		st.Entries = int(n)
		return saveIntelSource(ctx, tx, st)
	})
	if err != nil {
		return 0, fmt.Errorf("replace epss scores: %w", err)
	}
	return st.Entries, nil
}

// lastScores is scores with each CVE once, its last row, so the bulk
// inserts need no ON CONFLICT. Without
// repeats (the usual file) it is scores itself.
func lastScores(scores []news.EPSSScore) []news.EPSSScore {
	at := make(map[string]int, len(scores))
	repeats := false
	for i, sc := range scores {
		if _, dup := at[sc.CVEID]; dup {
			repeats = true
		}
		at[sc.CVEID] = i
	}
	if !repeats {
		return scores
	}
	out := make([]news.EPSSScore, 0, len(at))
	for i, sc := range scores {
		if at[sc.CVEID] == i {
			out = append(out, sc)
		}
	}
	return out
}

// pgArrayRows is how many rows one PostgreSQL insert of arrays carries.
const pgArrayRows = 50_000

// epssLoadLock is the PostgreSQL advisory lock ReplaceEPSS takes, so two
// processes loading at once take turns instead of colliding on epss_load.
const epssLoadLock = 0x7365636570737301

// loadEPSSPostgres loads scores into a new table epss_load and swaps it in
// for epss. The rows go as three arrays unnested by the server, 50,000 a
// statement, which parses and plans far less than thousands of
// placeholders do.
func loadEPSSPostgres(ctx context.Context, tx *txn, scores []news.EPSSScore) error {
	steps := []string{
		`SELECT pg_advisory_xact_lock(` + fmt.Sprint(epssLoadLock) + `)`,
		`CREATE TABLE epss_load (LIKE epss INCLUDING ALL)`,
	}
	for _, q := range steps {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	for start := 0; start < len(scores); start += pgArrayRows {
		chunk := scores[start:min(start+pgArrayRows, len(scores))]
		ids := make([]string, len(chunk))
		probs := make([]float64, len(chunk))
		pcts := make([]float64, len(chunk))
		for i, sc := range chunk {
			ids[i], probs[i], pcts[i] = storableText(sc.CVEID), sc.Probability, sc.Percentile
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO epss_load (cve_id, probability, percentile)
			SELECT * FROM unnest(?::text[], ?::float8[], ?::float8[])`, ids, probs, pcts); err != nil {
			return fmt.Errorf("insert rows %d-%d: %w", start, start+len(chunk), err)
		}
	}
	for _, q := range []string{
		`DROP TABLE epss`,
		`ALTER TABLE epss_load RENAME TO epss`,
		`ALTER INDEX epss_load_pkey RENAME TO epss_pkey`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// maxIDsPerQuery bounds the ids of one IN list in CVEIntel.
const maxIDsPerQuery = 500

// CVEIntel returns what the store has on each of ids (CVE ids, as given:
// callers normalize them), keyed by id; ids the store knows nothing of are
// absent. It reads the store only, in three queries per 500 ids.
func (s *Store) CVEIntel(ctx context.Context, ids []string) (map[string]news.CVEIntel, error) {
	out := make(map[string]news.CVEIntel, len(ids))
	uniq := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	for start := 0; start < len(uniq); start += maxIDsPerQuery {
		chunk := uniq[start:min(start+maxIDsPerQuery, len(uniq))]
		if err := s.cveIntelChunk(ctx, chunk, out); err != nil {
			return nil, fmt.Errorf("cve intel: %w", err)
		}
	}
	return out, nil
}

func (s *Store) cveIntelChunk(ctx context.Context, ids []string, out map[string]news.CVEIntel) error {
	in := placeholders(len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	get := func(id string) news.CVEIntel {
		ci, ok := out[id]
		if !ok {
			ci.ID = id
		}
		return ci
	}
	err := s.eachRow(ctx, `SELECT `+kevColumns+` FROM kev WHERE cve_id IN `+in, args, func(rows *sql.Rows) error {
		e, err := scanKEV(rows)
		if err != nil {
			return err
		}
		ci := get(e.CVEID)
		ci.KEV = &e
		out[e.CVEID] = ci
		return nil
	})
	if err != nil {
		return fmt.Errorf("kev: %w", err)
	}
	err = s.eachRow(ctx, `SELECT e.cve_id, e.probability, e.percentile, s.data_date, s.version
		FROM epss e LEFT JOIN intel_sources s ON s.source = 'epss' WHERE e.cve_id IN `+in, args,
		func(rows *sql.Rows) error {
			var sc news.EPSSScore
			var date sql.NullInt64
			var version sql.NullString
			if err := rows.Scan(&sc.CVEID, &sc.Probability, &sc.Percentile, &date, &version); err != nil {
				return err
			}
			sc.ScoreDate, sc.ModelVersion = scanTime(date), version.String
			ci := get(sc.CVEID)
			ci.EPSS = &sc
			out[sc.CVEID] = ci
			return nil
		})
	if err != nil {
		return fmt.Errorf("epss: %w", err)
	}
	err = s.eachRow(ctx, `SELECT cve_id, found, title, description, advisory_url, source, cvss_version,
		cvss_score, cvss_severity, cvss_vector, cvss_source, fetched_at FROM cve_records WHERE cve_id IN `+in, args,
		func(rows *sql.Rows) error {
			var rec news.CVERecord
			var found, fetched int64
			var score sql.NullFloat64
			var c news.CVSSScore
			if err := rows.Scan(&rec.ID, &found, &rec.Title, &rec.Description, &rec.AdvisoryURL, &rec.Source,
				&c.Version, &score, &c.Severity, &c.Vector, &c.Source, &fetched); err != nil {
				return err
			}
			rec.Found = found != 0
			rec.FetchedAt = scanTime(sql.NullInt64{Int64: fetched, Valid: true})
			if c.Version != "" && score.Valid {
				c.Score = score.Float64
				rec.CVSS = &c
			}
			ci := get(rec.ID)
			ci.Record = &rec
			ci.CVSS = rec.CVSS
			out[rec.ID] = ci
			return nil
		})
	if err != nil {
		return fmt.Errorf("cve records: %w", err)
	}
	return nil
}

// eachRow runs query on the read pool and calls fn for each row.
func (s *Store) eachRow(ctx context.Context, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
