package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/pgtest"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/storage"
)

// copyCountLine is one line of copy-store's report.
var copyCountLine = regexp.MustCompile(`(?m)^(\w+) +(\d+) \((\d+)\)$`)

// makeSQLiteStore writes a store at path with an article, a summary, a
// thread with a turn, a subscribed feed with items and a posted digest,
// through the storage API, and closes it.
func makeSQLiteStore(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 7, 5, 6, 0, 0, 0, time.UTC)
	s, err := storage.Open(ctx, path, nil, storage.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}()
	a := news.Article{URL: "https://news.example/a", Title: "ExampleVPN exploited", Text: "ExampleVPN is exploited. Patch now."}
	steps := []error{
		s.PutArticle(ctx, a),
		s.PutSummary(ctx, "k1", news.Summary{Title: "ExampleVPN", TLDR: "Patch now.", Severity: news.SeverityHigh}),
		s.AddUsage(ctx, news.Usage{GuildID: "g", Day: "2026-07-05", Model: "m", PromptTokens: 10, CompletionTokens: 2}),
		s.PutThread(ctx, news.Thread{ID: "th", GuildID: "g", ChannelID: "c", Kind: news.ThreadSummary, ArticleHashes: []string{a.Hash()}}),
		s.AddTurn(ctx, "th", news.Turn{UserID: "u", Question: "Which versions?", Answer: "7.0 to 7.2."}),
		s.PutDigestSchedule(ctx, news.DigestSchedule{GuildID: "g", ChannelID: "c", Time: "08:00", Timezone: "UTC", Enabled: true}),
	}
	if err := errors.Join(steps...); err != nil {
		t.Fatal(err)
	}
	const feed = "https://feed.example/rss"
	if _, err := s.Subscribe(ctx, "g", feed, "Feed"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddItems(ctx, feed, []news.Item{
		{ID: "1", Title: "one", Published: now}, {ID: "2", Title: "two", Published: now}, {ID: "3", Title: "three"},
	}); err != nil {
		t.Fatal(err)
	}
	id, err := s.CreateDigest(ctx, news.DigestRun{GuildID: "g", ChannelID: "c", Slot: "2026-07-05T08:00:00Z",
		Items: []news.DigestItem{{FeedURL: feed, ItemID: "1", Summarized: true}, {FeedURL: feed, ItemID: "2", Summarized: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RecordDigestPart(ctx, id, 0, "m0", true); err != nil {
		t.Fatal(err)
	}
}

// storeView is what the storage API reads from a store makeSQLiteStore
// filled.
func storeView(t *testing.T, s *storage.Store) map[string]any {
	t.Helper()
	ctx := context.Background()
	view := map[string]any{}
	var errs []error
	get := func(name string, v any, err error) {
		view[name] = v
		errs = append(errs, err)
	}
	a, _, err := s.ArticleByURL(ctx, "https://news.example/a", 0)
	get("article", a, err)
	sum, _, err := s.Summary(ctx, "k1")
	get("summary", sum, err)
	u, err := s.Usage(ctx, "2026-07-01", "2026-07-31")
	get("usage", u, err)
	th, _, err := s.Thread(ctx, "th")
	get("thread", th, err)
	turns, err := s.Turns(ctx, "th", 0)
	get("turns", turns, err)
	feeds, err := s.GuildFeeds(ctx, "g")
	get("feeds", feeds, err)
	items, err := s.FeedItems(ctx, "https://feed.example/rss")
	get("items", items, err)
	sched, err := s.DigestSchedules(ctx, false)
	get("schedules", sched, err)
	run, err := s.DigestBySlot(ctx, "c", "2026-07-05T08:00:00Z")
	get("digest", run, err)
	unseen, err := s.UnseenItems(ctx, news.UnseenQuery{GuildID: "g", ChannelID: "c",
		Now: time.Date(2026, 7, 5, 7, 0, 0, 0, time.UTC), Lookback: 24 * time.Hour})
	get("unseen", unseen, err)
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return view
}

// copyCounts parses copy-store's report: table -> [copied, in the source].
func copyCounts(t *testing.T, out string) map[string][2]int {
	t.Helper()
	got := map[string][2]int{}
	for _, m := range copyCountLine.FindAllStringSubmatch(out, -1) {
		rows, _ := strconv.Atoi(m[2])
		source, _ := strconv.Atoi(m[3])
		got[m[1]] = [2]int{rows, source}
	}
	return got
}

// TestCopyStoreProcess: `secbrief copy-store -config F -from DB` copies an
// SQLite store into the PostgreSQL store of F, reports every table with the
// rows copied and the rows of the source, and a second run copies nothing.
func TestCopyStoreProcess(t *testing.T) {
	dsn := pgtest.New(t)
	from := filepath.Join(t.TempDir(), "secbrief.db")
	makeSQLiteStore(t, from)
	cfg := writeFileIn(t, "config.yaml", "storage:\n  driver: postgres\n  dsn: ${SECBRIEF_COPY_DSN}\nlog:\n  level: error\n")
	env := append(os.Environ(), "SECBRIEF_COPY_DSN="+dsn)

	want := map[string][2]int{
		"articles": {1, 1}, "article_urls": {1, 1}, "summaries": {1, 1}, "usage": {1, 1}, "threads": {1, 1},
		"thread_articles": {1, 1}, "turns": {1, 1}, "feeds": {1, 1}, "guild_feeds": {1, 1}, "guild_feed_seeds": {1, 1},
		"items": {3, 3}, "digest_schedules": {1, 1}, "digests": {1, 1}, "digest_items": {2, 2}, "digest_parts": {1, 1},
		"deliveries": {2, 2}, "posted_cves": {0, 0}, "intel_sources": {0, 0}, "kev": {0, 0}, "epss": {0, 0},
		"cve_records": {0, 0}, "kev_alert_channels": {0, 0}, "kev_alerts": {0, 0}, "watches": {0, 0}, "watch_alerts": {0, 0},
		"total": {20, 20},
	}
	for run := range 2 {
		code, out, errOut := runMain(t, env, "", "copy-store", "-config", cfg, "-from", from)
		if code != 0 || errOut != "" {
			t.Fatalf("run %d: exit %d, stderr %q, stdout:\n%s", run+1, code, errOut, out)
		}
		if !strings.HasPrefix(out, "Copied "+from+" into the PostgreSQL store") {
			t.Errorf("run %d: report starts %q", run+1, out)
		}
		if lines := copyCountLine.FindAllString(out, -1); len(lines) != len(want) {
			t.Errorf("run %d: %d table lines, want %d (every table and the total):\n%s", run+1, len(lines), len(want), out)
		}
		t.Logf("run %d:\n%s", run+1, out)
		got := copyCounts(t, out)
		for table, w := range want {
			if got[table] != w {
				t.Errorf("run %d: %s copied (of the source) = %v, want %v:\n%s", run+1, table, got[table], w, out)
			}
		}
		for table, w := range want { // the second run copies nothing
			want[table] = [2]int{0, w[1]}
		}
	}

	ctx := context.Background()
	src, err := storage.Open(ctx, from, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := storage.OpenPostgres(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	srcView, dstView := storeView(t, src), storeView(t, dst)
	for name, w := range srcView {
		if !reflect.DeepEqual(dstView[name], w) {
			t.Errorf("%s in PostgreSQL:\n got %+v\nwant %+v", name, dstView[name], w)
		}
	}
	// The copied store takes new rows.
	if n, err := dst.AddItems(ctx, "https://feed.example/rss", []news.Item{{ID: "4", Title: "four"}}); err != nil || n != 1 {
		t.Errorf("AddItems after the copy = %d, %v", n, err)
	}
}

// TestCopyStoreRefuses: copy-store without -from, from a file that is
// missing or no database, or into a configuration whose store is not
// PostgreSQL, fails with a message that says so, and creates no file.
func TestCopyStoreRefuses(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "secbrief.db")
	makeSQLiteStore(t, db)
	sqlitePath := filepath.Join(dir, "configured.db")
	sqliteCfg := writeFileIn(t, "sqlite.yaml", "storage:\n  path: "+sqlitePath+"\nlog:\n  level: error\n")
	pgCfg := writeFileIn(t, "pg.yaml", "storage:\n  driver: postgres\n  dsn: postgres://nobody@127.0.0.1:1/none\nlog:\n  level: error\n")
	missing := filepath.Join(dir, "nope.db")
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no -from", []string{"-config", pgCfg}, 2, "-from is required"},
		{"missing file", []string{"-config", pgCfg, "-from", missing}, 1, "no database at " + missing},
		{"not a database", []string{"-config", pgCfg, "-from", sqliteCfg}, 1, "is not an SQLite database"},
		{"a directory", []string{"-config", pgCfg, "-from", dir}, 1, "is a directory"},
		{"driver sqlite", []string{"-config", sqliteCfg, "-from", db}, 1,
			"storage.driver is sqlite in the configuration: copy-store copies into the PostgreSQL store"},
		{"an argument", []string{"-config", pgCfg, "-from", db, "extra"}, 2, "usage: secbrief copy-store"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runMain(t, os.Environ(), "", append([]string{"copy-store"}, c.args...)...)
			if code != c.code || !strings.Contains(errOut, c.want) || out != "" {
				t.Errorf("exit %d, stderr %q, stdout %q; want exit %d and %q", code, errOut, out, c.code, c.want)
			}
		})
	}
	for _, p := range []string{missing, sqlitePath} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s exists after the refusals (%v)", p, err)
		}
	}
}

// TestWriteCopyCounts: the report of a finished copy, of one that stopped
// after some tables, and of one that stopped before any (nothing printed:
// the error says it all).
func TestWriteCopyCounts(t *testing.T) {
	counts := []storage.TableCount{{Table: "articles", Rows: 2, Source: 3}, {Table: "guild_feed_seeds", Rows: 0, Source: 10}}
	cases := []struct {
		name   string
		counts []storage.TableCount
		done   bool
		want   string
	}{
		{"done", counts, true, "Copied x.db into the PostgreSQL store: rows copied (rows in the source) per table.\n" +
			"articles         2 (3)\nguild_feed_seeds 0 (10)\ntotal            2 (13)\n"},
		{"stopped", counts[:1], false, "Stopped copying x.db after these tables:\narticles 2 (3)\ntotal    2 (3)\n"},
		{"stopped at once", nil, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b strings.Builder
			if err := writeCopyCounts(&b, "x.db", c.counts, c.done); err != nil {
				t.Fatal(err)
			}
			if b.String() != c.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), c.want)
			}
		})
	}
}
