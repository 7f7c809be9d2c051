package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/secbrief/secbrief/config"
	"github.com/secbrief/secbrief/storage"
)

// sqliteHeader starts every SQLite database file.
const sqliteHeader = "SQLite format 3\x00"

// runCopyStore copies the SQLite store at -from into the PostgreSQL store
// the configuration names (storage.driver postgres, storage.dsn), for a bot
// that outgrows one process, and prints per table the rows it copied and
// the rows of the source. Running it again completes an interrupted copy
// and copies nothing twice (see storage.Store.CopyFrom). Opening the source
// applies the migrations it lacks, as any secbrief command does.
func runCopyStore(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("copy-store", flag.ContinueOnError)
	configPath := fs.String("config", "", "configuration file (default $SECBRIEF_CONFIG); its storage.dsn is where the copy goes")
	from := fs.String("from", "", "the SQLite database file to copy (required), e.g. the bot's former storage.path")
	fs.Usage = flagUsage(fs, "copy-store")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	if *from == "" {
		fmt.Fprint(e.stderr, "secbrief copy-store: -from is required: the SQLite database file to copy\n")
		return errUsage
	}
	// Opening a missing file would create an empty database and copy it.
	if err := checkSQLiteFile(*from); err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath, e)
	if err != nil {
		return err
	}
	if !cfg.Storage.Postgres() {
		return fmt.Errorf("storage.driver is %s in the configuration: copy-store copies into the PostgreSQL store; "+
			"set storage.driver: %s and storage.dsn, then run it again", cfg.Storage.Driver, config.DriverPostgres)
	}
	if strings.EqualFold(cfg.Log.Level, "info") {
		cfg.Log.Level = "warn" // keep the report readable, as start does
	}
	logger := newLogger(cfg, e.stderr)
	src, err := storage.Open(ctx, *from, logger)
	if err != nil {
		return fmt.Errorf("open -from %s: %w", *from, err)
	}
	defer src.Close()
	dst, err := openStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer dst.Close()
	counts, err := dst.CopyFrom(ctx, src)
	if werr := writeCopyCounts(e.stdout, *from, counts, err == nil); werr != nil && err == nil {
		err = werr
	}
	return err
}

// checkSQLiteFile refuses a path that is not an existing SQLite database
// file, without creating anything.
func checkSQLiteFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no database at %s", path)
	}
	if err != nil {
		return fmt.Errorf("-from: %w", err)
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.IsDir() {
		return fmt.Errorf("-from %s is a directory, not a database file", path)
	}
	head := make([]byte, len(sqliteHeader))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, []byte(sqliteHeader)) {
		return fmt.Errorf("-from %s is not an SQLite database", path)
	}
	return nil
}

// writeCopyCounts prints one line per table, "<table> <rows copied> (<rows
// in the source>)", aligned, then the totals; done says whether the copy
// finished (else the lines are the tables it finished before it stopped).
func writeCopyCounts(w io.Writer, from string, counts []storage.TableCount, done bool) error {
	if len(counts) == 0 && !done {
		return nil
	}
	var b strings.Builder
	if done {
		fmt.Fprintf(&b, "Copied %s into the PostgreSQL store: rows copied (rows in the source) per table.\n", from)
	} else {
		fmt.Fprintf(&b, "Stopped copying %s after these tables:\n", from)
	}
	width := len("total")
	for _, c := range counts {
		width = max(width, len(c.Table))
	}
	var rows, source int
	for _, c := range counts {
		fmt.Fprintf(&b, "%-*s %d (%d)\n", width, c.Table, c.Rows, c.Source)
		rows += c.Rows
		source += c.Source
	}
	fmt.Fprintf(&b, "%-*s %d (%d)\n", width, "total", rows, source)
	_, err := io.WriteString(w, b.String())
	return err
}
