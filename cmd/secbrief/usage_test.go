package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/storage"
)

// usageConfig writes a configuration whose store holds rows, and returns
// its path.
func usageConfig(t *testing.T, rows ...news.Usage) string {
	t.Helper()
	dir := t.TempDir()
	db := filepath.Join(dir, "secbrief.db")
	st, err := storage.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range rows {
		if err := st.AddUsage(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte("storage:\n  path: "+db+"\nlog:\n  level: error\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// usageAt runs `secbrief usage args` with today being now.
func usageAt(t *testing.T, now time.Time, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, getenv: func(string) string { return "" }}
	err := runUsageAt(context.Background(), args, e, func() time.Time { return now })
	return out.String(), errOut.String(), err
}

// usageSample is spread over the edges of the default 30-day window
// ending 2025-06-30: 2025-06-01 is in it, 2025-05-31 is not.
var usageSample = []news.Usage{
	{GuildID: "", Day: "2025-06-30", Model: "gpt-4o-mini", PromptTokens: 900, CompletionTokens: 100},
	{GuildID: "111111111111111111", Day: "2025-06-30", Model: "gpt-4o-mini", PromptTokens: 12000, CompletionTokens: 3456},
	{GuildID: "111111111111111111", Day: "2025-06-30", Model: "gpt-4o", PromptTokens: 50, CompletionTokens: 5},
	{GuildID: "222222222222222222", Day: "2025-06-29", Model: "gpt-4o-mini", PromptTokens: 7, CompletionTokens: 0},
	{GuildID: terminalGuild, Day: "2025-06-01", Model: "gpt-4o-mini", PromptTokens: 1, CompletionTokens: 2},
	{GuildID: "111111111111111111", Day: "2025-05-31", Model: "gpt-4o-mini", PromptTokens: 99999, CompletionTokens: 1},
}

// lateOn30June is late in the evening of 30 June west of UTC: already
// 1 July in UTC, the day usage is recorded in.
var lateOn30June = time.Date(2025, 6, 30, 23, 0, 0, 0, time.FixedZone("EDT", -4*3600))

func TestUsageCLITable(t *testing.T) {
	cfg := usageConfig(t, usageSample...)
	out, errOut, err := usageAt(t, time.Date(2025, 6, 30, 12, 0, 0, 0, time.UTC), "-config", cfg)
	if err != nil {
		t.Fatalf("usage: %v\n%s", err, errOut)
	}
	const want = `LLM tokens from 2025-06-01 to 2025-06-30 (UTC), newest first:

DAY         GUILD               MODEL        PROMPT  COMPLETION  TOTAL
2025-06-30  (terminal)          gpt-4o-mini  900     100         1000
2025-06-30  111111111111111111  gpt-4o       50      5           55
2025-06-30  111111111111111111  gpt-4o-mini  12000   3456        15456
2025-06-29  222222222222222222  gpt-4o-mini  7       0           7
2025-06-01  (terminal digest)   gpt-4o-mini  1       2           3
total                                        12958   3563        16521
`
	if out != want {
		t.Errorf("table:\n%s\nwant:\n%s", out, want)
	}

	// -days 2 from 1 July (UTC) keeps 30 June only.
	out, _, err = usageAt(t, lateOn30June, "-config", cfg, "-days", "2")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "LLM tokens from 2025-06-30 to 2025-07-01 (UTC)") || strings.Contains(out, "2025-06-29") ||
		!strings.Contains(out, "total                                        12950   3561        16511\n") {
		t.Errorf("-days 2:\n%s", out)
	}

	out, _, err = usageAt(t, time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC), "-config", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if out != "No LLM tokens recorded from 2023-12-12 to 2024-01-10 (UTC).\n" {
		t.Errorf("empty range: %q", out)
	}
}

func TestUsageCLIJSON(t *testing.T) {
	cfg := usageConfig(t, usageSample...)
	out, errOut, err := usageAt(t, time.Date(2025, 6, 30, 12, 0, 0, 0, time.UTC), "-config", cfg, "-json", "-days", "2")
	if err != nil {
		t.Fatalf("usage -json: %v\n%s", err, errOut)
	}
	const want = `[
  {
    "day": "2025-06-30",
    "guild_id": "",
    "model": "gpt-4o-mini",
    "prompt_tokens": 900,
    "completion_tokens": 100
  },
  {
    "day": "2025-06-30",
    "guild_id": "111111111111111111",
    "model": "gpt-4o",
    "prompt_tokens": 50,
    "completion_tokens": 5
  },
  {
    "day": "2025-06-30",
    "guild_id": "111111111111111111",
    "model": "gpt-4o-mini",
    "prompt_tokens": 12000,
    "completion_tokens": 3456
  },
  {
    "day": "2025-06-29",
    "guild_id": "222222222222222222",
    "model": "gpt-4o-mini",
    "prompt_tokens": 7,
    "completion_tokens": 0
  }
]
`
	if out != want {
		t.Errorf("-json:\n%s\nwant:\n%s", out, want)
	}
	out, _, err = usageAt(t, time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC), "-config", cfg, "-json")
	if err != nil || out != "[]\n" {
		t.Errorf("-json without usage = %q, %v; want []", out, err)
	}
}

// TestUsageCLIThroughRun runs the subcommand as the binary does: today's
// usage is listed and bad flags are usage errors (exit 2) that say why.
func TestUsageCLIThroughRun(t *testing.T) {
	today := time.Now().UTC().Format(time.DateOnly)
	cfg := usageConfig(t, news.Usage{GuildID: "333333333333333333", Day: today, Model: "m", PromptTokens: 40, CompletionTokens: 2})
	code, out, errOut := runCLI(t, "", "usage", "-config", cfg)
	if code != 0 || !strings.Contains(out, "333333333333333333  m      40      2           42") {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	bad := []struct {
		name string
		args []string
		want string
	}{
		{"zero days", []string{"-days", "0"}, "-days must be between 1 and 3660, not 0"},
		{"negative days", []string{"-days", "-3"}, "-days must be between 1 and 3660, not -3"},
		{"too many days", []string{"-days", "4000"}, "-days must be between 1 and 3660"},
		{"not a number", []string{"-days", "a week"}, "invalid value"},
		{"stray argument", []string{"guild"}, "usage: secbrief usage"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", append([]string{"usage", "-config", cfg}, c.args...)...)
			if code != 2 || out != "" || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", code, out, errOut, c.want)
			}
		})
	}
}

// TestUsageCLIMissingDatabase: a storage.path with no database is an
// error, and no empty database is left behind.
func TestUsageCLIMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "nothing-here.db")
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("storage:\n  path: "+db+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "usage", "-config", cfg)
	if code != 1 || out != "" || !strings.Contains(errOut, "no database at storage.path "+db) {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("a database was created at %s", db)
	}
}
