package config

import (
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Bounds of storage.lease: shorter, a slow job would lose its claim while
// still running; longer, a crashed process's jobs would wait too long.
const (
	minLease = 10 * time.Second
	maxLease = time.Hour
)

// Postgres reports whether the store is PostgreSQL.
func (s StorageConfig) Postgres() bool { return s.Driver == DriverPostgres }

// validate checks the storage keys. No message holds any part of the DSN,
// which may carry a password.
func (s StorageConfig) validate(v *validator) {
	switch s.Driver {
	case DriverSQLite:
		v.notEmpty("storage.path", s.Path)
		if s.DSN != "" {
			v.add("storage.dsn", "only applies with storage.driver postgres")
		}
	case DriverPostgres:
		if strings.TrimSpace(s.DSN.Value()) == "" {
			v.add("storage.dsn", "required with storage.driver postgres: a postgres:// URL or a key=value "+
				"connection string, e.g. dsn: ${DATABASE_URL}")
		} else if _, err := parseDSN(s.DSN.Value()); err != nil {
			v.add("storage.dsn", "%v", err)
		}
	default:
		v.add("storage.driver", "must be sqlite or postgres, got %q", s.Driver)
	}
	if d := s.Lease.Duration(); d < minLease || d > maxLease {
		v.add("storage.lease", "must be between %s and %s, got %s", Duration(minLease), Duration(maxLease), s.Lease)
	}
}

// dsn is what this package reads of a PostgreSQL connection string.
type dsn struct {
	// passwords holds the password as the string spells it and, when that
	// differs, decoded (percent-encoding, quotes, backslashes): the forms
	// that could show up in a log.
	passwords []string
}

// The problems parseDSN reports. None holds any part of the string.
var (
	errDSNNotPostgres = errors.New("not a PostgreSQL URL (postgres://…) or key=value string")
	errDSNBadURL      = errors.New("not a valid PostgreSQL URL: percent-encode special characters " +
		"(such as @ : / ? # %) in the user name and password")
	errDSNKeyValue  = errors.New("not a PostgreSQL URL (postgres://…) or key=value string: expected key=value pairs separated by spaces")
	errDSNUnclosed  = errors.New("not a PostgreSQL URL (postgres://…) or key=value string: a quoted value is not closed")
	errDSNBackslash = errors.New("not a PostgreSQL URL (postgres://…) or key=value string: it ends in a backslash")
)

// urlScheme matches the start of anything written as a URL.
var urlScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

// parseDSN checks the syntax of a PostgreSQL connection string the way pgx
// tells the two forms apart: a string starting postgres:// or
// postgresql:// is a URL, anything else libpq's key=value form. It does
// not connect. Its errors never hold any part of s.
func parseDSN(s string) (dsn, error) {
	if urlScheme.MatchString(s) {
		if !strings.HasPrefix(s, "postgres://") && !strings.HasPrefix(s, "postgresql://") {
			return dsn{}, errDSNNotPostgres
		}
		return parseDSNURL(s)
	}
	return parseDSNKeyValue(s)
}

// parseDSNURL reads the password of a postgres:// URL: in its user info,
// or in a password query parameter, which pgx also accepts.
func parseDSNURL(s string) (dsn, error) {
	u, err := url.Parse(s)
	if err != nil {
		return dsn{}, errDSNBadURL
	}
	var d dsn
	if pw, ok := u.User.Password(); ok {
		// As written: after the first ':' of the user info, which ends at
		// the authority's last '@' (url.Parse splits it so too).
		authority := s[strings.Index(s, "://")+3:]
		if i := strings.IndexAny(authority, "/?#"); i >= 0 {
			authority = authority[:i]
		}
		userinfo := authority[:max(strings.LastIndex(authority, "@"), 0)]
		_, raw, _ := strings.Cut(userinfo, ":")
		d.add(raw, pw)
	}
	for _, kv := range strings.Split(u.RawQuery, "&") {
		k, raw, _ := strings.Cut(kv, "=")
		if k != "password" {
			continue
		}
		pw, err := url.QueryUnescape(raw)
		if err != nil {
			return dsn{}, errDSNBadURL
		}
		d.add(raw, pw)
	}
	return d, nil
}

// parseDSNKeyValue reads libpq's key=value form as pgx does: pairs
// separated by white space, white space allowed around '=', a value
// either single-quoted or bare, and a backslash escaping the next byte.
func parseDSNKeyValue(s string) (dsn, error) {
	var d dsn
	const space = " \t\n\r\v\f"
	s = strings.TrimLeft(s, space)
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			return dsn{}, errDSNKeyValue
		}
		key := strings.Trim(s[:eq], space)
		if !dsnKey.MatchString(key) {
			return dsn{}, errDSNKeyValue
		}
		s = strings.TrimLeft(s[eq+1:], space)
		var raw string
		if strings.HasPrefix(s, "'") {
			end := 1
			for ; end < len(s) && s[end] != '\''; end++ {
				if s[end] == '\\' {
					end++
				}
			}
			if end >= len(s) {
				return dsn{}, errDSNUnclosed
			}
			raw, s = s[:end+1], s[end+1:]
		} else {
			end := 0
			for ; end < len(s) && !strings.ContainsRune(space, rune(s[end])); end++ {
				if s[end] == '\\' {
					end++
					if end == len(s) {
						return dsn{}, errDSNBackslash
					}
				}
			}
			raw, s = s[:end], s[end:]
		}
		if key == "password" {
			d.add(raw, unquoteDSNValue(raw))
		}
		s = strings.TrimLeft(s, space)
	}
	return d, nil
}

// dsnKey is the shape of a libpq keyword (host, dbname, sslmode…).
var dsnKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// unquoteDSNValue returns the value a key=value string's raw value stands
// for: without its quotes, with \\ and \' unescaped (as pgx reads it).
func unquoteDSNValue(raw string) string {
	if len(raw) >= 2 && raw[0] == '\'' && raw[len(raw)-1] == '\'' {
		raw = raw[1 : len(raw)-1]
	}
	return strings.NewReplacer(`\\`, `\`, `\'`, `'`).Replace(raw)
}

// add records a password as written and as decoded.
func (d *dsn) add(raw, decoded string) {
	for _, pw := range []string{raw, decoded} {
		if pw != "" && !slices.Contains(d.passwords, pw) {
			d.passwords = append(d.passwords, pw)
		}
	}
}

// Secrets returns every secret value of the configuration, for masking in
// logs and output: discord.token, llm.api_key, storage.dsn,
// intel.nvd_api_key, and the password storage.dsn holds, as written and
// decoded. Empty values are left out; a DSN that does not parse still
// counts as a whole.
func (c Config) Secrets() []string {
	out := make([]string, 0, 5)
	for _, s := range []Secret{c.Discord.Token, c.LLM.APIKey, c.Storage.DSN, c.Intel.NVDAPIKey} {
		if s != "" {
			out = append(out, s.Value())
		}
	}
	if d, err := parseDSN(c.Storage.DSN.Value()); err == nil {
		for _, pw := range d.passwords {
			if !slices.Contains(out, pw) {
				out = append(out, pw)
			}
		}
	}
	return out
}
