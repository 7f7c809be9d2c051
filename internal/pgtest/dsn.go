package pgtest

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// WithDatabase rewrites dsn to point at database name, keeping everything
// else. dsn is a URL (postgres://user@host:port/db?params, or postgresql://)
// or libpq's key=value form ("host=... dbname=..."). Tests that start a
// process of their own use it to hand that process a database from New.
func WithDatabase(dsn, name string) (string, error) {
	if name == "" {
		return "", errors.New("empty database name")
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return urlWithDatabase(dsn, name)
	}
	return keywordsWithDatabase(dsn, name)
}

// urlWithDatabase replaces the path of a URL DSN.
func urlWithDatabase(dsn, name string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		// url's errors quote the whole URL, password included.
		return "", errors.New("DSN is not a valid URL")
	}
	u.Path = "/" + name
	u.RawPath = ""
	// A dbname parameter would override the path.
	if q := u.Query(); q.Has("dbname") {
		q.Del("dbname")
		u.RawQuery = q.Encode()
	}
	return u.String(), nil
}

// keywordsWithDatabase replaces every dbname value of a key=value DSN (the
// last one counts, so all of them go), or adds one.
func keywordsWithDatabase(dsn, name string) (string, error) {
	pairs, err := parseKeywords(dsn)
	if err != nil {
		return "", err
	}
	out := dsn
	replaced := false
	for i := len(pairs) - 1; i >= 0; i-- {
		if p := pairs[i]; p.key == "dbname" {
			out = out[:p.start] + quoteValue(name) + out[p.end:]
			replaced = true
		}
	}
	if !replaced {
		out = strings.TrimRight(out, " \t\n\r\f\v")
		if out != "" {
			out += " "
		}
		out += "dbname=" + quoteValue(name)
	}
	return out, nil
}

// keyword is one key=value setting of a DSN; start and end delimit its
// value, quotes included.
type keyword struct {
	key        string
	start, end int
}

// parseKeywords splits a key=value DSN the way libpq does: settings apart by
// white space, white space allowed around "=", a value either single-quoted
// or running to the next white space, backslash escaping in both. It keeps
// no value, as a value may be a password.
func parseKeywords(dsn string) ([]keyword, error) {
	var out []keyword
	i := 0
	skipSpace := func() {
		for i < len(dsn) && isSpace(dsn[i]) {
			i++
		}
	}
	for {
		skipSpace()
		if i == len(dsn) {
			return out, nil
		}
		k := i
		for i < len(dsn) && dsn[i] != '=' && !isSpace(dsn[i]) {
			i++
		}
		key := dsn[k:i]
		skipSpace()
		if i == len(dsn) || dsn[i] != '=' {
			return nil, fmt.Errorf("DSN setting %q has no \"=\" after it", key)
		}
		i++
		skipSpace()
		start := i
		if i < len(dsn) && dsn[i] == '\'' {
			i++
			for i < len(dsn) && dsn[i] != '\'' {
				if dsn[i] == '\\' {
					i++
				}
				i++
			}
			if i >= len(dsn) {
				return nil, fmt.Errorf("DSN setting %q has an unterminated quoted value", key)
			}
			i++ // the closing quote
		} else {
			for i < len(dsn) && !isSpace(dsn[i]) {
				if dsn[i] == '\\' {
					i++
				}
				i++
			}
			i = min(i, len(dsn)) // a trailing backslash
		}
		out = append(out, keyword{key: key, start: start, end: i})
	}
}

// quoteValue writes v as a key=value DSN value, quoted when it has to be.
func quoteValue(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\n\r\f\v'\\") {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// isSpace reports whether c is white space as libpq's DSN parser sees it.
func isSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\f', '\v':
		return true
	}
	return false
}
