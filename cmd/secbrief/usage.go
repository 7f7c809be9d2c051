package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/secbrief/secbrief/news"
)

// maxUsageDays bounds -days: ten years is more than any store keeps.
const maxUsageDays = 3660

// usageRow is one line of `secbrief usage -json`; the field names are
// public interface.
type usageRow struct {
	Day              string `json:"day"`
	GuildID          string `json:"guild_id"`
	Model            string `json:"model"`
	PromptTokens     int    `json:"prompt_tokens"`
	CompletionTokens int    `json:"completion_tokens"`
}

// runUsage prints the LLM tokens recorded in the store per day, guild and
// model over the last -days days (today included, UTC).
func runUsage(ctx context.Context, args []string, e env) error {
	return runUsageAt(ctx, args, e, time.Now)
}

// runUsageAt is runUsage with the clock that decides what "today" is.
func runUsageAt(ctx context.Context, args []string, e env, now func() time.Time) error {
	fs := flag.NewFlagSet("usage", flag.ContinueOnError)
	configPath := fs.String("config", "", "configuration file (default $SECBRIEF_CONFIG)")
	days := fs.Int("days", 30, "how many days back, today (UTC) included")
	asJSON := fs.Bool("json", false, "print a JSON array of {day, guild_id, model, prompt_tokens, completion_tokens}")
	fs.Usage = flagUsage(fs, "usage")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	if *days < 1 || *days > maxUsageDays {
		fmt.Fprintf(e.stderr, "secbrief usage: -days must be between 1 and %d, not %d\n", maxUsageDays, *days)
		return errUsage
	}
	cfg, err := loadConfig(*configPath, e)
	if err != nil {
		return err
	}
	// Opening creates a missing database; reporting on an empty one
	// would hide a -config that points at the wrong file.
	if p := cfg.Storage.Path; !cfg.Storage.Postgres() && p != ":memory:" {
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("no database at storage.path %s: nothing was recorded there (is this the bot's configuration?)", p)
		}
	}
	if strings.EqualFold(cfg.Log.Level, "info") {
		cfg.Log.Level = "warn" // keep the report readable, as start does
	}
	store, err := openStore(ctx, cfg, newLogger(cfg, e.stderr))
	if err != nil {
		return err
	}
	defer store.Close()

	today := now().UTC()
	to := today.Format(time.DateOnly)
	from := today.AddDate(0, 0, 1-*days).Format(time.DateOnly)
	rows, err := store.Usage(ctx, from, to)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeUsageJSON(e.stdout, rows)
	}
	return writeUsageTable(e.stdout, rows, from, to)
}

// writeUsageJSON prints rows as a JSON array ([] when there are none).
func writeUsageJSON(w io.Writer, rows []news.Usage) error {
	out := make([]usageRow, 0, len(rows))
	for _, u := range rows {
		out = append(out, usageRow{Day: u.Day, GuildID: u.GuildID, Model: u.Model, PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeUsageTable prints rows as aligned columns, newest day first, with a
// total line; days without usage have no line.
func writeUsageTable(w io.Writer, rows []news.Usage, from, to string) error {
	if len(rows) == 0 {
		_, err := fmt.Fprintf(w, "No LLM tokens recorded from %s to %s (UTC).\n", from, to)
		return err
	}
	fmt.Fprintf(w, "LLM tokens from %s to %s (UTC), newest first:\n\n", from, to)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DAY\tGUILD\tMODEL\tPROMPT\tCOMPLETION\tTOTAL")
	var prompt, completion int
	for _, u := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\n", cell(u.Day), guildLabel(u.GuildID), cell(u.Model),
			u.PromptTokens, u.CompletionTokens, u.PromptTokens+u.CompletionTokens)
		prompt += u.PromptTokens
		completion += u.CompletionTokens
	}
	fmt.Fprintf(tw, "total\t\t\t%d\t%d\t%d\n", prompt, completion, prompt+completion)
	return tw.Flush()
}

// guildLabel names a guild in the table: the terminal's usage has no
// guild, and `secbrief digest` runs as the pseudo guild terminalGuild.
func guildLabel(id string) string {
	switch id {
	case "":
		return "(terminal)"
	case terminalGuild:
		return "(terminal digest)"
	}
	return cell(id)
}

// cell keeps a stored value from breaking the table or the terminal: tabs,
// newlines and escape sequences become spaces.
func cell(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}
