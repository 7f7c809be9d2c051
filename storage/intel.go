package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/secbrief/secbrief/news"
)

// Vulnerability intelligence (migration 010_intel), kept by package intel:
// the KEV catalog (ReplaceKEV, KEVAdded, KEVProducts), the day's EPSS
// scores (ReplaceEPSS), CVE records with their CVSS score (SaveCVERecord),
// the state of each source (IntelSource, IntelSources, SaveIntelSource),
// and one batch read of all of it per CVE (CVEIntel).

// intelSourceColumns are the columns scanIntelSource reads, in order.
const intelSourceColumns = `source, checked_at, refreshed_at, data_date, version, entries,
	etag, last_modified, error_kind, error_at`

func scanIntelSource(row interface{ Scan(...any) error }) (news.SourceStatus, error) {
	var st news.SourceStatus
	var checked, refreshed, dataDate, errorAt sql.NullInt64
	if err := row.Scan(&st.Source, &checked, &refreshed, &dataDate, &st.Version, &st.Entries,
		&st.ETag, &st.LastModified, &st.ErrorKind, &errorAt); err != nil {
		return news.SourceStatus{}, err
	}
	st.CheckedAt, st.RefreshedAt, st.DataDate, st.ErrorAt = scanTime(checked), scanTime(refreshed), scanTime(dataDate), scanTime(errorAt)
	return st, nil
}

// IntelSource returns the state of one source (news.IntelKEV, ...); a
// source never refreshed has a zero state with only Source set.
func (s *Store) IntelSource(ctx context.Context, source string) (news.SourceStatus, error) {
	st, err := scanIntelSource(s.read.QueryRowContext(ctx,
		`SELECT `+intelSourceColumns+` FROM intel_sources WHERE source = ?`, source))
	if isNoRows(err) {
		return news.SourceStatus{Source: source}, nil
	}
	if err != nil {
		return news.SourceStatus{}, fmt.Errorf("intel source %s: %w", source, err)
	}
	return st, nil
}

// IntelSources returns the state of every source refreshed at least once,
// by source name.
func (s *Store) IntelSources(ctx context.Context) ([]news.SourceStatus, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+intelSourceColumns+` FROM intel_sources ORDER BY source`)
	if err != nil {
		return nil, fmt.Errorf("intel sources: %w", err)
	}
	defer rows.Close()
	var out []news.SourceStatus
	for rows.Next() {
		st, err := scanIntelSource(rows)
		if err != nil {
			return nil, fmt.Errorf("intel sources: %w", err)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("intel sources: %w", err)
	}
	return out, nil
}

// SaveIntelSource stores st as its source's state, whole (a refresh that
// failed, or one answered 304 Not Modified).
func (s *Store) SaveIntelSource(ctx context.Context, st news.SourceStatus) error {
	if err := saveIntelSource(ctx, s.write, st); err != nil {
		return fmt.Errorf("save intel source %s: %w", st.Source, err)
	}
	return nil
}

func saveIntelSource(ctx context.Context, db execer, st news.SourceStatus) error {
	if st.Source == "" {
		return errors.New("empty source")
	}
	_, err := db.ExecContext(ctx, `INSERT INTO intel_sources (`+intelSourceColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (source) DO UPDATE SET checked_at = excluded.checked_at,
			refreshed_at = excluded.refreshed_at, data_date = excluded.data_date,
			version = excluded.version, entries = excluded.entries, etag = excluded.etag,
			last_modified = excluded.last_modified, error_kind = excluded.error_kind,
			error_at = excluded.error_at`,
		st.Source, dbTime(st.CheckedAt), dbTime(st.RefreshedAt), dbTime(st.DataDate), st.Version,
		int64(st.Entries), st.ETag, st.LastModified, st.ErrorKind, dbTime(st.ErrorAt))
	return err
}

// ReplaceKEV makes cat the stored KEV catalog and st (its Source
// news.IntelKEV) the source's state, in one transaction, and returns how
// many entries are new to the catalog. A new entry's FirstSeenAt is
// st.RefreshedAt (the store's clock when zero); the entries of the first
// catalog ever stored are the baseline (Baseline true, not counted as new):
// KEVAdded never returns them. Entries the catalog no longer lists are
// deleted.
func (s *Store) ReplaceKEV(ctx context.Context, cat news.KEVCatalog, st news.SourceStatus) (int, error) {
	now := st.RefreshedAt
	if now.IsZero() {
		now = s.now()
	}
	st.Source, st.Entries = news.IntelKEV, len(cat.Entries)
	if st.DataDate.IsZero() {
		st.DataDate = cat.Released
	}
	if st.Version == "" {
		st.Version = cat.Version
	}
	added := 0
	err := s.tx(ctx, func(tx *txn) error {
		known := map[string]bool{}
		rows, err := tx.QueryContext(ctx, `SELECT cve_id FROM kev`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			known[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		baseline := len(known) == 0
		seen := make(map[string]bool, len(cat.Entries))
		entries := make([]news.KEVEntry, 0, len(cat.Entries))
		for _, e := range cat.Entries {
			if e.CVEID == "" || seen[e.CVEID] {
				continue // a catalog listing a CVE twice keeps the first
			}
			seen[e.CVEID] = true
			entries = append(entries, e)
			if !known[e.CVEID] && !baseline {
				added++
			}
		}
		// first_seen_at and baseline are set once, by the insert: an
		// update keeps them (ON CONFLICT, so a second process racing this
		// one cannot make an old entry new).
		err = insertRows(ctx, tx, `INSERT INTO kev (cve_id, vendor_project, product, vulnerability_name,
			date_added, due_date, ransomware, short_description, required_action, notes,
			first_seen_at, baseline, seen_at) VALUES `, 13,
			` ON CONFLICT (cve_id) DO UPDATE SET vendor_project = excluded.vendor_project,
			product = excluded.product, vulnerability_name = excluded.vulnerability_name,
			date_added = excluded.date_added, due_date = excluded.due_date,
			ransomware = excluded.ransomware, short_description = excluded.short_description,
			required_action = excluded.required_action, notes = excluded.notes,
			seen_at = excluded.seen_at`,
			len(entries), func(i int, args []any) []any {
				e := entries[i]
				return append(args, e.CVEID, e.VendorProject, e.Product, e.VulnerabilityName,
					dbTime(e.DateAdded), dbTime(e.DueDate), e.Ransomware, e.ShortDescription,
					e.RequiredAction, e.Notes, now.UnixMicro(), baseline, now.UnixMicro())
			})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM kev WHERE seen_at <> ?`, now.UnixMicro()); err != nil {
			return err
		}
		st.Entries = len(entries)
		return saveIntelSource(ctx, tx, st)
	})
	if err != nil {
		return 0, fmt.Errorf("replace kev catalog: %w", err)
	}
	return added, nil
}

// kevColumns are the columns scanKEV reads, in order.
const kevColumns = `cve_id, vendor_project, product, vulnerability_name, date_added, due_date,
	ransomware, short_description, required_action, notes, first_seen_at, baseline`

func scanKEV(row interface{ Scan(...any) error }) (news.KEVEntry, error) {
	var e news.KEVEntry
	var added, due, first sql.NullInt64
	var ransomware, baseline int64
	if err := row.Scan(&e.CVEID, &e.VendorProject, &e.Product, &e.VulnerabilityName, &added, &due,
		&ransomware, &e.ShortDescription, &e.RequiredAction, &e.Notes, &first, &baseline); err != nil {
		return news.KEVEntry{}, err
	}
	e.DateAdded, e.DueDate, e.FirstSeenAt = scanTime(added), scanTime(due), scanTime(first)
	e.Ransomware, e.Baseline = ransomware != 0, baseline != 0
	return e, nil
}

// KEVAdded returns, oldest first, the entries that a refresh found new to
// the catalog after since (FirstSeenAt > since), baseline entries
// excepted: those of the earliest refreshes, up to limit entries, plus the
// rest of the last refresh's when limit cuts into it. An alerting job
// keeps the last FirstSeenAt it handled as its next since: each refresh's
// additions share one FirstSeenAt, are committed together and are returned
// whole, so none is skipped.
func (s *Store) KEVAdded(ctx context.Context, since time.Time, limit int) ([]news.KEVEntry, error) {
	if limit <= 0 {
		return nil, nil
	}
	out, err := s.queryKEV(ctx, `baseline = 0 AND first_seen_at > ? ORDER BY first_seen_at, cve_id LIMIT ?`,
		since.UnixMicro(), int64(limit))
	if err != nil || len(out) < limit {
		return out, err
	}
	last := out[len(out)-1]
	rest, err := s.queryKEV(ctx, `baseline = 0 AND first_seen_at = ? AND cve_id > ? ORDER BY cve_id`,
		last.FirstSeenAt.UnixMicro(), last.CVEID)
	return append(out, rest...), err
}

// queryKEV returns the kev rows matching where (a WHERE clause and what
// follows it).
func (s *Store) queryKEV(ctx context.Context, where string, args ...any) ([]news.KEVEntry, error) {
	var out []news.KEVEntry
	err := s.eachRow(ctx, `SELECT `+kevColumns+` FROM kev WHERE `+where, args, func(rows *sql.Rows) error {
		e, err := scanKEV(rows)
		if err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("kev added: %w", err)
	}
	return out, nil
}

// KEVProducts returns up to limit vendor and product pairs of the KEV
// catalog whose vendor or product, or a word of the product, starts with
// prefix (ASCII case-insensitive), sorted by vendor then product: the
// choices of an autocomplete. An empty prefix lists the first ones.
func (s *Store) KEVProducts(ctx context.Context, prefix string, limit int) ([]news.KEVProduct, error) {
	if limit <= 0 {
		return nil, nil
	}
	p := likeEscape(strings.ToLower(strings.TrimSpace(prefix)))
	rows, err := s.read.QueryContext(ctx, `SELECT vendor_project, product FROM kev
		WHERE lower(vendor_project) LIKE ? ESCAPE '\' OR lower(product) LIKE ? ESCAPE '\'
		   OR lower(product) LIKE ? ESCAPE '\'
		GROUP BY vendor_project, product
		ORDER BY lower(vendor_project), lower(product), vendor_project, product LIMIT ?`,
		p+"%", p+"%", "% "+p+"%", int64(limit))
	if err != nil {
		return nil, fmt.Errorf("kev products %q: %w", prefix, err)
	}
	defer rows.Close()
	var out []news.KEVProduct
	for rows.Next() {
		var kp news.KEVProduct
		if err := rows.Scan(&kp.Vendor, &kp.Product); err != nil {
			return nil, fmt.Errorf("kev products: %w", err)
		}
		out = append(out, kp)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("kev products: %w", err)
	}
	return out, nil
}

// likeEscape escapes LIKE's wildcards (and the escape character \) in s.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// SaveCVERecord stores rec (a record or a cached miss, Found false) in
// place of what was stored for its CVE.
func (s *Store) SaveCVERecord(ctx context.Context, rec news.CVERecord) error {
	if rec.ID == "" {
		return errors.New("save cve record: empty id")
	}
	fetched := rec.FetchedAt
	if fetched.IsZero() {
		fetched = s.now()
	}
	var version, severity, vector, source string
	var score any
	if c := rec.CVSS; c != nil {
		version, severity, vector, source, score = c.Version, c.Severity, c.Vector, c.Source, c.Score
	}
	_, err := s.write.ExecContext(ctx, `INSERT INTO cve_records (cve_id, found, title, description,
		advisory_url, source, cvss_version, cvss_score, cvss_severity, cvss_vector, cvss_source, fetched_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (cve_id) DO UPDATE SET found = excluded.found, title = excluded.title,
			description = excluded.description, advisory_url = excluded.advisory_url,
			source = excluded.source, cvss_version = excluded.cvss_version,
			cvss_score = excluded.cvss_score, cvss_severity = excluded.cvss_severity,
			cvss_vector = excluded.cvss_vector, cvss_source = excluded.cvss_source,
			fetched_at = excluded.fetched_at`,
		rec.ID, rec.Found, rec.Title, rec.Description, rec.AdvisoryURL, rec.Source,
		version, score, severity, vector, source, fetched.UnixMicro())
	if err != nil {
		return fmt.Errorf("save cve record %s: %w", rec.ID, err)
	}
	return nil
}
