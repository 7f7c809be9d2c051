package config

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/redact"
)

// pgPassword is the password of the test DSNs: no error may show it.
const pgPassword = "hunter2-SENTINEL"

func TestStorageDefaults(t *testing.T) {
	s := Default().Storage
	want := StorageConfig{Driver: DriverSQLite, Path: "secbrief.db", Lease: Duration(2 * time.Minute)}
	if s != want {
		t.Errorf("Default().Storage = %+v, want %+v", s, want)
	}
	if s.Postgres() {
		t.Error("the default store is PostgreSQL")
	}
}

func TestValidateStorage(t *testing.T) {
	tests := []struct {
		name string
		s    StorageConfig
		want map[string]string // key → substring of its message; none when empty
	}{
		{name: "sqlite", s: StorageConfig{Driver: "sqlite", Path: "x.db", Lease: Duration(time.Minute)}},
		{name: "postgres URL", s: StorageConfig{Driver: "postgres", Path: "ignored.db", Lease: Duration(time.Minute),
			DSN: "postgres://secbrief:" + pgPassword + "@db.internal:5432/secbrief?sslmode=require"}},
		{name: "postgresql URL", s: StorageConfig{Driver: "postgres", Lease: Duration(time.Minute),
			DSN: "postgresql://db.internal/secbrief"}},
		{name: "postgres URL over a socket", s: StorageConfig{Driver: "postgres", Lease: Duration(time.Minute),
			DSN: "postgres:///secbrief?host=/var/run/postgresql"}},
		{name: "postgres URL with several hosts", s: StorageConfig{Driver: "postgres", Lease: Duration(time.Minute),
			DSN: "postgres://u:" + pgPassword + "@a:5432,b:5433/secbrief"}},
		{name: "postgres key=value", s: StorageConfig{Driver: "postgres", Lease: Duration(time.Minute),
			DSN: "host=db.internal port=5432 dbname=secbrief user=secbrief password='" + pgPassword + " x' sslmode=disable"}},
		{name: "key=value with spaces around =", s: StorageConfig{Driver: "postgres", Lease: Duration(time.Minute),
			DSN: " host = db dbname= secbrief "}},
		{name: "postgres needs no path", s: StorageConfig{Driver: "postgres", Lease: Duration(time.Minute), DSN: "host=db"}},
		{name: "lease at its bounds", s: StorageConfig{Driver: "sqlite", Path: "x.db", Lease: Duration(10 * time.Second)}},
		{name: "lease at its upper bound", s: StorageConfig{Driver: "sqlite", Path: "x.db", Lease: Duration(time.Hour)}},

		{name: "unknown driver", s: StorageConfig{Driver: "mysql", Path: "x.db", Lease: Duration(time.Minute)},
			want: map[string]string{"storage.driver": `must be sqlite or postgres, got "mysql"`}},
		{name: "empty driver", s: StorageConfig{Path: "x.db", Lease: Duration(time.Minute)},
			want: map[string]string{"storage.driver": "must be sqlite or postgres"}},
		{name: "driver is lower case", s: StorageConfig{Driver: "Postgres", DSN: "host=db", Lease: Duration(time.Minute)},
			want: map[string]string{"storage.driver": "must be sqlite or postgres"}},
		{name: "sqlite without path", s: StorageConfig{Driver: "sqlite", Lease: Duration(time.Minute)},
			want: map[string]string{"storage.path": "must not be empty"}},
		{name: "sqlite with a dsn", s: StorageConfig{Driver: "sqlite", Path: "x.db", Lease: Duration(time.Minute), DSN: "host=db"},
			want: map[string]string{"storage.dsn": "only applies with storage.driver postgres"}},
		{name: "postgres without dsn", s: StorageConfig{Driver: "postgres", Lease: Duration(time.Minute)},
			want: map[string]string{"storage.dsn": "required with storage.driver postgres"}},
		{name: "postgres with a blank dsn", s: StorageConfig{Driver: "postgres", Lease: Duration(time.Minute), DSN: "  "},
			want: map[string]string{"storage.dsn": "required with storage.driver postgres"}},
		{name: "URL of another database", s: StorageConfig{Driver: "postgres", Lease: Duration(time.Minute),
			DSN: "mysql://u:" + pgPassword + "@db/x"},
			want: map[string]string{"storage.dsn": "not a PostgreSQL URL (postgres://…) or key=value string"}},
		{name: "scheme in capitals", s: StorageConfig{Driver: "postgres", Lease: Duration(time.Minute),
			DSN: "POSTGRES://u:" + pgPassword + "@db/x"},
			want: map[string]string{"storage.dsn": "not a PostgreSQL URL"}},
		{name: "URL that does not parse", s: StorageConfig{Driver: "postgres", Lease: Duration(time.Minute),
			DSN: "postgres://u:" + pgPassword + "@db:port/x"},
			want: map[string]string{"storage.dsn": "not a valid PostgreSQL URL"}},
		{name: "URL with a bad escape", s: StorageConfig{Driver: "postgres", Lease: Duration(time.Minute),
			DSN: "postgres://u:" + pgPassword + "%zz@db/x"},
			want: map[string]string{"storage.dsn": "not a valid PostgreSQL URL"}},
		{name: "URL with a bad password parameter", s: StorageConfig{Driver: "postgres", Lease: Duration(time.Minute),
			DSN: "postgres://u@db/x?password=" + pgPassword + "%zz"},
			want: map[string]string{"storage.dsn": "not a valid PostgreSQL URL"}},
		{name: "a bare database name", s: StorageConfig{Driver: "postgres", Lease: Duration(time.Minute), DSN: "secbrief"},
			want: map[string]string{"storage.dsn": "expected key=value pairs"}},
		{name: "key=value without a key", s: StorageConfig{Driver: "postgres", Lease: Duration(time.Minute),
			DSN: "host=db =" + pgPassword},
			want: map[string]string{"storage.dsn": "expected key=value pairs"}},
		{name: "key=value with a stray word", s: StorageConfig{Driver: "postgres", Lease: Duration(time.Minute),
			DSN: "host=db password=" + pgPassword + " x"},
			want: map[string]string{"storage.dsn": "expected key=value pairs"}},
		{name: "key=value with an open quote", s: StorageConfig{Driver: "postgres", Lease: Duration(time.Minute),
			DSN: "host=db password='" + pgPassword},
			want: map[string]string{"storage.dsn": "a quoted value is not closed"}},
		{name: "key=value ending in a backslash", s: StorageConfig{Driver: "postgres", Lease: Duration(time.Minute),
			DSN: "host=db password=" + pgPassword + `\`},
			want: map[string]string{"storage.dsn": "ends in a backslash"}},
		{name: "lease too short", s: StorageConfig{Driver: "sqlite", Path: "x.db", Lease: Duration(9 * time.Second)},
			want: map[string]string{"storage.lease": "must be between 10s and 1h, got 9s"}},
		{name: "lease zero", s: StorageConfig{Driver: "sqlite", Path: "x.db"},
			want: map[string]string{"storage.lease": "must be between 10s and 1h, got 0s"}},
		{name: "lease too long", s: StorageConfig{Driver: "sqlite", Path: "x.db", Lease: Duration(61 * time.Minute)},
			want: map[string]string{"storage.lease": "must be between 10s and 1h, got 1h1m"}},
		{name: "several at once", s: StorageConfig{Driver: "postgres", Lease: Duration(2 * time.Hour)},
			want: map[string]string{"storage.dsn": "required", "storage.lease": "between"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			c.Storage = tt.s
			err := c.Validate(NeedLLM, NeedDiscord)
			got := map[string]string{}
			for _, fe := range fieldErrors(t, err) {
				got[fe.Key] = fe.Msg
			}
			if len(got) != len(tt.want) {
				t.Fatalf("errors %v, want on %v", err, tt.want)
			}
			for key, msg := range tt.want {
				if !strings.Contains(got[key], msg) {
					t.Errorf("%s: %q, want %q in it", key, got[key], msg)
				}
			}
			if err != nil && strings.Contains(err.Error(), pgPassword) {
				t.Errorf("error shows the password: %v", err)
			}
			if tt.s.DSN != "" && err != nil && strings.Contains(err.Error(), tt.s.DSN.Value()) {
				t.Errorf("error shows the DSN: %v", err)
			}
		})
	}
}

func TestDSNPasswords(t *testing.T) {
	tests := []struct {
		name string
		dsn  string
		want []string // as written, then decoded when different
	}{
		{"URL", "postgres://u:" + pgPassword + "@db/x", []string{pgPassword}},
		{"URL without password", "postgres://u@db/x", nil},
		{"URL without user info", "postgresql://db:5432/x?sslmode=disable", nil},
		{"URL with an encoded password", "postgres://u:p%40ss%2Fw0rd@db/x", []string{"p%40ss%2Fw0rd", "p@ss/w0rd"}},
		{"URL with an @ in the password", "postgres://u:p@ssw0rd@db/x", []string{"p@ssw0rd"}},
		{"URL with a password parameter", "postgres://u@db/x?sslmode=disable&password=s3cr%3Dt", []string{"s3cr%3Dt", "s3cr=t"}},
		{"URL with both", "postgres://u:one-pass@db/x?password=two-pass", []string{"one-pass", "two-pass"}},
		{"key=value", "host=db password=" + pgPassword + " dbname=x", []string{pgPassword}},
		{"key=value last", "host=db password=" + pgPassword, []string{pgPassword}},
		{"key=value quoted", `host=db password='it\'s a \\secret' user=u`, []string{`'it\'s a \\secret'`, `it's a \secret`}},
		{"key=value escaped", `password=a\ b\\c`, []string{`a\ b\\c`, `a\ b\c`}},
		{"key=value spaced", "host=db password = " + pgPassword, []string{pgPassword}},
		{"key=value without password", "host=db dbname=x", nil},
		{"key=value empty password", "password='' host=db", []string{"''"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := parseDSN(tt.dsn)
			if err != nil {
				t.Fatalf("parseDSN: %v", err)
			}
			if !slices.Equal(d.passwords, tt.want) {
				t.Errorf("passwords %q, want %q", d.passwords, tt.want)
			}
		})
	}
}

func TestSecretsMaskTheDSN(t *testing.T) {
	tests := []struct {
		name   string
		dsn    string
		output string // what a log might show
		hidden []string
	}{
		{"URL", "postgres://secbrief:" + pgPassword + "@db:5432/secbrief",
			"connect to postgres://secbrief:" + pgPassword + "@db:5432/secbrief failed; password " + pgPassword + " rejected",
			[]string{pgPassword}},
		{"encoded URL", "postgres://secbrief:s3cr%2Ft-pw@db/secbrief",
			"dsn postgres://secbrief:s3cr%2Ft-pw@db/secbrief, password s3cr/t-pw, user info secbrief:s3cr%2Ft-pw",
			[]string{"s3cr%2Ft-pw", "s3cr/t-pw"}},
		{"key=value", "host=db user=secbrief password='" + pgPassword + " x'",
			"dsn host=db user=secbrief password='" + pgPassword + " x'; the password is " + pgPassword + " x",
			[]string{pgPassword}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			c.Storage.Driver, c.Storage.DSN = DriverPostgres, Secret(tt.dsn)
			c.Intel.NVDAPIKey = "nvd-key-test"
			if err := c.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			secrets := c.Secrets()
			for _, want := range []string{"discord-test", "sk-test", tt.dsn, "nvd-key-test"} {
				if !slices.Contains(secrets, want) {
					t.Errorf("Secrets() %q lacks %q", secrets, want)
				}
			}
			masked := redact.New(secrets...).String(tt.output)
			for _, h := range tt.hidden {
				if strings.Contains(masked, h) {
					t.Errorf("masked output %q shows %q", masked, h)
				}
			}
			if !strings.Contains(masked, redact.Mask) {
				t.Errorf("nothing masked in %q", masked)
			}
			if s := c.String(); strings.Contains(s, pgPassword) || strings.Contains(s, tt.dsn) {
				t.Errorf("Config.String() shows the DSN:\n%s", s)
			}
		})
	}
	// Without a DSN, the secrets are the token and the key only.
	if got := valid().Secrets(); !slices.Equal(got, []string{"discord-test", "sk-test"}) {
		t.Errorf("Secrets() = %q, want the token and the key", got)
	}
	// A DSN that does not parse is masked whole.
	c := valid()
	c.Storage.DSN = "postgres://u:" + pgPassword + "@db:port/x"
	if got := c.Secrets(); !slices.Contains(got, c.Storage.DSN.Value()) {
		t.Errorf("Secrets() = %q lacks the DSN", got)
	}
}

func TestCheckStorage(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		env   map[string]string
		want  []string // problems, in order: "line N: key: text" or "key: text" without a line
		warns []string // warning keys
	}{
		{name: "postgres from the environment",
			body: "storage:\n  driver: postgres\n  dsn: ${DATABASE_URL}\n  lease: 30s\n",
			env:  map[string]string{"DATABASE_URL": "postgres://u:" + pgPassword + "@db/x"}},
		{name: "sqlite ignores an unset DATABASE_URL",
			body: "storage:\n  driver: sqlite\n  dsn: ${DATABASE_URL}\n"},
		{name: "bad driver",
			body: "storage:\n  driver: sqlite3\n",
			want: []string{`line 2: storage.driver: must be sqlite or postgres, got "sqlite3"`}},
		{name: "postgres without dsn",
			body: "storage:\n  driver: postgres\n",
			want: []string{"storage.dsn: required with storage.driver postgres"}},
		{name: "postgres with DATABASE_URL unset",
			body: "storage:\n  driver: postgres\n  dsn: ${DATABASE_URL}\n",
			want: []string{"line 3: storage.dsn: ${DATABASE_URL} is not set and has no default; required with storage.driver postgres"}},
		{name: "bad dsn from the environment",
			body: "storage:\n  driver: postgres\n  dsn: ${DATABASE_URL}\n",
			env:  map[string]string{"DATABASE_URL": "postgres://u:" + pgPassword + "@db:port/x"},
			want: []string{"line 3: storage.dsn: not a valid PostgreSQL URL"}},
		{name: "bad dsn in the file",
			body: "storage:\n  driver: postgres\n  dsn: \"mysql://u:" + pgPassword + "@db/x\"\n",
			want: []string{"line 3: storage.dsn: not a PostgreSQL URL (postgres://…) or key=value string"}},
		{name: "dsn with sqlite",
			body: "storage:\n  path: x.db\n  dsn: host=db\n",
			want: []string{"line 3: storage.dsn: only applies with storage.driver postgres"}},
		{name: "lease out of bounds",
			body: "storage:\n  lease: 5s\n",
			want: []string{"line 2: storage.lease: must be between 10s and 1h, got 5s"}},
		{name: "lease not a duration",
			body: "storage:\n  lease: 120\n",
			want: []string{"line 2, column 10: storage.lease: 120 is not a duration"}},
		{name: "every storage problem",
			body: "storage:\n  driver: postgres\n  dsn: \"host=db password='" + pgPassword + "\"\n  lease: 2h\n",
			want: []string{
				"line 3: storage.dsn: not a PostgreSQL URL (postgres://…) or key=value string: a quoted value is not closed",
				"line 4: storage.lease: must be between 10s and 1h, got 2h",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.body)
			_, rep, err := Check(path, envOf(tt.env), NeedLLM, NeedDiscord)
			if err != nil {
				t.Fatal(err)
			}
			// The secrets' problems are not the point here.
			var got []string
			for _, p := range rep.Problems {
				var fe *FieldError
				if errors.As(p, &fe) && (fe.Key == "llm.api_key" || fe.Key == "discord.token") {
					continue
				}
				got = append(got, p.Error())
			}
			if len(got) != len(tt.want) {
				t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			for i, w := range tt.want {
				if strings.HasPrefix(w, "line ") {
					w = path + " " + w
				}
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("problem %d = %q, want it to start %q", i, got[i], w)
				}
				if strings.Contains(got[i], pgPassword) {
					t.Errorf("problem %d shows the password: %q", i, got[i])
				}
			}
			var warns []string
			for _, w := range rep.Warnings {
				warns = append(warns, w.Key)
			}
			if !slices.Equal(warns, tt.warns) {
				t.Errorf("warnings %v, want %v", rep.Warnings, tt.warns)
			}
		})
	}
}

// FuzzParseDSN: parseDSN never panics, and each password it finds is, as
// written, part of the string (so that masking the string's pieces masks
// it).
func FuzzParseDSN(f *testing.F) {
	for _, s := range []string{
		"postgres://u:p@h/db", "postgresql://u:p%40@h:1,h2:2/db?password=x&sslmode=disable",
		"host=h password='a\\'b' x=y", "password=a\\", "password='", "=x", "postgres://", "a",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDSN(s)
		if err != nil {
			return
		}
		if len(d.passwords) > 0 && !strings.Contains(s, d.passwords[0]) {
			t.Errorf("parseDSN(%q): password %q as written is not in the string", s, d.passwords[0])
		}
	})
}
