package storage

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/secbrief/secbrief/news"
)

// copyDestination is a kind of store CopyFrom is tested into.
type copyDestination struct {
	name string
	open storeOpener
}

// copyDestinations are the stores CopyFrom is tested into: SQLite (useful
// without a PostgreSQL server) and PostgreSQL, what copy-store is for. The
// source is always SQLite, so this is not forEachDriver's contract suite.
func copyDestinations() []copyDestination {
	return []copyDestination{{DriverSQLite, openTestStore}, {DriverPostgres, openTestPostgres}}
}

// The names fillCopySource uses.
const (
	copyFeedA, copyFeedB, copyFeedC = "https://a.example/feed", "https://b.example/rss", "https://c.example/atom"
	copyGuild1, copyGuild2          = "g1", "g2"
	copyChannel1, copyChannel2      = "c1", "c2"
)

// fillCopySource fills s through its public API with rows in every table
// CopyFrom copies, and in the transient ones it skips. clock is s's clock.
func fillCopySource(t *testing.T, s *Store, clock *testClock) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	start := clock.t
	page := sampleArticle("https://news.example/exampled", "ExampleVPN is exploited.\n\nPatch to 7.3.")
	pasted := news.Article{Title: "pasted", Text: "Pasted text about CVE-2024-1."}
	fromFeed := news.Article{URL: "https://a.example/item1", Title: "feed text", Text: "What the feed said.", FeedURL: copyFeedA, ItemID: "a1"}
	for _, a := range []news.Article{page, pasted, fromFeed} {
		must(s.PutArticle(ctx, a))
	}
	sum := sampleSummary()
	sum.ArticleHash = page.Hash()
	must(s.PutSummary(ctx, "sum/page", sum))
	must(s.PutSummary(ctx, "sum/pasted", news.Summary{Title: "pasted", TLDR: "x", Severity: news.SeverityLow}))
	for _, u := range []news.Usage{
		{GuildID: copyGuild1, Day: "2026-07-04", Model: "m", PromptTokens: 100, CompletionTokens: 20},
		{GuildID: copyGuild1, Day: "2026-07-05", Model: "m", PromptTokens: 7, CompletionTokens: 3},
		{GuildID: "", Day: "2026-07-05", Model: "other", PromptTokens: 1, CompletionTokens: 1},
	} {
		must(s.AddUsage(ctx, u))
	}
	must(s.PutThread(ctx, news.Thread{ID: "th-sum", GuildID: copyGuild1, ChannelID: copyChannel1, Kind: news.ThreadSummary,
		ArticleHashes: []string{page.Hash()}, CreatedAt: start}))
	must(s.PutThread(ctx, news.Thread{ID: "th-digest", GuildID: copyGuild1, ChannelID: copyChannel1, Kind: news.ThreadDigest,
		ArticleHashes: []string{page.Hash(), fromFeed.Hash()}, CreatedAt: start}))
	for i, q := range []string{"Is 7.2 affected?", "Which CVE?", "Exploited?"} {
		must(s.AddTurn(ctx, "th-sum", news.Turn{UserID: "u", Question: q, Answer: "answer " + q, At: start.Add(time.Duration(i) * time.Minute)}))
	}
	must(s.AddTurn(ctx, "th-digest", news.Turn{UserID: "v", Question: "more?", Answer: "no"}))

	for _, sub := range []struct{ guild, feed, title string }{
		{copyGuild1, copyFeedA, "Outlet A"}, {copyGuild1, copyFeedB, "Outlet B"}, {copyGuild2, copyFeedA, ""},
	} {
		if _, err := s.Subscribe(ctx, sub.guild, sub.feed, sub.title); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SeedGuild(ctx, "g3", []string{copyFeedC}); err != nil {
		t.Fatal(err)
	}
	clock.t = clock.t.Add(time.Hour)
	var itemsA, itemsB []news.Item
	for i := range 5 {
		itemsA = append(itemsA, news.Item{ID: fmt.Sprintf("a%d", i+1), Title: fmt.Sprintf("A story %d", i+1),
			Link: fmt.Sprintf("https://a.example/item%d", i+1), Content: "text of A " + strings.Repeat("é", i),
			Published: clock.t.Add(-time.Duration(i) * time.Hour)})
	}
	for i := range 3 {
		itemsB = append(itemsB, news.Item{ID: fmt.Sprintf("b%d", i+1), Title: fmt.Sprintf("B story %d", i+1),
			Link: fmt.Sprintf("https://b.example/%d", i+1)}) // undated
	}
	if _, err := s.AddItems(ctx, copyFeedA, itemsA); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddItems(ctx, copyFeedB, itemsB[:1]); err != nil {
		t.Fatal(err)
	}
	clock.t = clock.t.Add(time.Minute)
	if _, err := s.AddItems(ctx, copyFeedB, itemsB); err != nil { // two later undated items
		t.Fatal(err)
	}
	must(s.SaveFeedState(ctx, news.FeedState{URL: copyFeedB, ETag: `"v1"`, LastModified: "Sat, 04 Jul 2026 10:00:00 GMT",
		Failures: 2, NextPollAt: clock.t.Add(time.Hour), LastError: "the feed could not be fetched", LastPolledAt: clock.t}))

	must(s.PutDigestSchedule(ctx, news.DigestSchedule{GuildID: copyGuild1, ChannelID: copyChannel1, Time: "08:00",
		Timezone: "Europe/Berlin", Enabled: true, CreatedBy: "admin", UpdatedAt: start}))
	must(s.PutDigestSchedule(ctx, news.DigestSchedule{GuildID: copyGuild2, ChannelID: copyChannel2, Time: "18:30",
		Timezone: "America/New_York", Enabled: false, UpdatedAt: start}))
	lead := itemsA[0]
	lead.FeedURL, lead.FeedTitle = copyFeedA, "Outlet A"
	posted := news.DigestRun{GuildID: copyGuild1, ChannelID: copyChannel1, Slot: "2026-07-05T06:00:00Z",
		Digest: news.Digest{Stories: []news.Story{{Lead: lead, CVEs: []string{"CVE-2026-1"},
			Summary: &news.Summary{TLDR: "tldr", CVEs: []string{"CVE-2026-1"}}}}},
		Items: []news.DigestItem{{FeedURL: copyFeedA, ItemID: "a1", Summarized: true}, {FeedURL: copyFeedA, ItemID: "a2"}}}
	id := postDigest(t, s, copyGuild1, copyChannel1, posted.Slot, posted.Digest, posted.Items)
	must(s.SetDigestThread(ctx, id, "th-digest"))
	clock.t = clock.t.Add(time.Minute)
	pending, err := s.CreateDigest(ctx, news.DigestRun{GuildID: copyGuild1, ChannelID: copyChannel1, Slot: "now:1",
		Items: []news.DigestItem{{FeedURL: copyFeedB, ItemID: "b1"}}})
	must(err)
	must(s.RecordDigestPart(ctx, pending, 0, "header", false))
	if _, err := s.RecordDigestFailure(ctx, pending); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordUnshown(ctx, news.DigestRun{GuildID: copyGuild2, ChannelID: copyChannel2, Slot: "2026-07-05T22:30:00Z",
		Items: []news.DigestItem{{FeedURL: copyFeedA, ItemID: "a3", Summarized: true}}}); err != nil {
		t.Fatal(err)
	}

	must(s.RecordPostedCVEs(ctx, []news.PostedCVE{
		{GuildID: copyGuild1, ChannelID: copyChannel1, MessageID: "m1", CVE: "CVE-2026-1", Title: "A story 1", URL: lead.Link, PostedAt: start},
		{GuildID: copyGuild2, ChannelID: copyChannel2, MessageID: "m2", CVE: "CVE-2026-1", Title: "pasted", PostedAt: start},
	}))
	kev := news.KEVCatalog{Version: "2026.07.04", Released: start.Add(-time.Hour), Entries: []news.KEVEntry{
		kevEntry("CVE-2026-1", "Acme", "Gateway"), kevEntry("CVE-2026-2", "Initech", "TPS"),
	}}
	if _, err := s.ReplaceKEV(ctx, kev, news.SourceStatus{CheckedAt: start, RefreshedAt: start, ETag: `"kev"`}); err != nil {
		t.Fatal(err)
	}
	epss := news.EPSSSet{ModelVersion: "v2025.03.14", ScoreDate: day("2026-07-04"), Scores: []news.EPSSScore{
		{CVEID: "CVE-2026-1", Probability: 0.94, Percentile: 0.998}, {CVEID: "CVE-2026-3", Probability: 0.01, Percentile: 0.2},
	}}
	if _, err := s.ReplaceEPSS(ctx, epss, news.SourceStatus{CheckedAt: start, RefreshedAt: start, ETag: `"epss"`}); err != nil {
		t.Fatal(err)
	}
	must(s.SaveCVERecord(ctx, news.CVERecord{ID: "CVE-2026-1", Found: true, Title: "Gateway RCE", Description: "desc",
		AdvisoryURL: "https://acme.example/adv", Source: news.SourceCNA, FetchedAt: start,
		CVSS: &news.CVSSScore{Version: news.CVSSv31, Score: 9.8, Severity: "critical", Vector: "CVSS:3.1/AV:N", Source: news.SourceCNA}}))
	must(s.SaveCVERecord(ctx, news.CVERecord{ID: "CVE-2026-4", Found: false, FetchedAt: start}))
	for _, c := range []news.KEVAlertChannel{
		{GuildID: copyGuild1, ChannelID: copyChannel1, Enabled: true, CreatedBy: "admin"},
		{GuildID: copyGuild2, ChannelID: copyChannel2, Enabled: false},
	} {
		if _, err := s.SetKEVAlerts(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.ClaimKEVAlerts(ctx, copyGuild1, copyChannel1, []string{"CVE-2026-1", "CVE-2026-2"}); err != nil {
		t.Fatal(err)
	}
	must(s.KEVAlertsPosted(ctx, copyChannel1, []string{"CVE-2026-1"}, "m-alert"))
	// Watches (one removed: the ids have a gap) and their alerts, one
	// posted, one held for a batch.
	var watchIDs []int64
	for _, w := range []news.Watch{
		{GuildID: copyGuild1, ChannelID: copyChannel1, Term: "ExampleVPN", RoleID: "r1", MinSeverity: news.SeverityHigh, CreatedBy: "admin"},
		{GuildID: copyGuild1, ChannelID: copyChannel1, Term: "gone"},
		{GuildID: copyGuild2, ChannelID: copyChannel2, Term: "CVE-2026-1", KEVOnly: true},
	} {
		added, err := s.AddWatch(ctx, w, 0)
		must(err)
		watchIDs = append(watchIDs, added.ID)
	}
	if _, err := s.RemoveWatch(ctx, copyGuild1, "gone"); err != nil {
		t.Fatal(err)
	}
	for _, a := range []news.WatchAlert{
		{ChannelID: copyChannel1, StoryKey: "story-1", GuildID: copyGuild1, WatchIDs: watchIDs[:1], Terms: []string{"ExampleVPN"}, Body: "{}"},
		{ChannelID: copyChannel2, StoryKey: "story-2", GuildID: copyGuild2, WatchIDs: watchIDs[2:], Terms: []string{"CVE-2026-1"}, Batch: true},
	} {
		if ok, err := s.AddWatchAlert(ctx, a); err != nil || !ok {
			t.Fatalf("AddWatchAlert = %v, %v", ok, err)
		}
	}
	must(s.SetWatchAlertMessage(ctx, copyChannel1, "story-1", "m1"))

	// The transient tables, which CopyFrom leaves out.
	if ok, err := s.Claim(ctx, "summary:k"); err != nil || !ok {
		t.Fatalf("Claim = %v, %v", ok, err)
	}
	if _, err := s.write.ExecContext(ctx, `INSERT INTO token_reservations (guild_id, day, tokens, owner, expires_at)
		VALUES ('in-flight guild', '2026-07-05', 500, 'me', ?)`, clock.t.Add(time.Minute).UnixMicro()); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"job_claims", "token_reservations"} {
		if n := tableRows(t, s, table); n == 0 {
			t.Fatalf("fixture: no rows in %s", table)
		}
	}
}

// tableRows counts the rows of table.
func tableRows(t testing.TB, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.read.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// copyView is what the public API reads from a store filled by
// fillCopySource, by query.
func copyView(t *testing.T, s *Store, now time.Time) map[string]any {
	t.Helper()
	ctx := context.Background()
	view := map[string]any{}
	add := func(name string, v any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		view[name] = v
	}
	page := sampleArticle("https://news.example/exampled", "ExampleVPN is exploited.\n\nPatch to 7.3.")
	a, ok, err := s.Article(ctx, page.Hash())
	add("Article", []any{a, ok}, err)
	a, ok, err = s.ArticleByURL(ctx, page.URL, 0)
	add("ArticleByURL", []any{a, ok}, err)
	a, ok, err = s.ArticleByURL(ctx, "https://a.example/item1", 0) // feed text: never a URL's page
	add("ArticleByURL feed", []any{a, ok}, err)
	for _, key := range []string{"sum/page", "sum/pasted"} {
		sum, ok, err := s.Summary(ctx, key)
		add("Summary "+key, []any{sum, ok}, err)
	}
	u, err := s.Usage(ctx, "2026-01-01", "2026-12-31")
	add("Usage", u, err)
	n, err := s.TokensOn(ctx, copyGuild1, "2026-07-05")
	add("TokensOn", n, err)
	for _, id := range []string{"th-sum", "th-digest"} {
		th, ok, err := s.Thread(ctx, id)
		add("Thread "+id, []any{th, ok}, err)
		turns, err := s.Turns(ctx, id, 0)
		add("Turns "+id, turns, err)
	}
	for _, g := range []string{copyGuild1, copyGuild2, "g3"} {
		f, err := s.GuildFeeds(ctx, g)
		add("GuildFeeds "+g, f, err)
	}
	for _, f := range []string{copyFeedA, copyFeedB} {
		items, err := s.FeedItems(ctx, f)
		add("FeedItems "+f, items, err)
		st, err := s.FeedState(ctx, f)
		add("FeedState "+f, st, err)
		guilds, err := s.FeedGuilds(ctx, f)
		add("FeedGuilds "+f, guilds, err)
	}
	sched, err := s.DigestSchedules(ctx, false)
	add("DigestSchedules", sched, err)
	for _, slot := range []struct{ channel, slot string }{
		{copyChannel1, "2026-07-05T06:00:00Z"}, {copyChannel1, "now:1"}, {copyChannel2, "2026-07-05T22:30:00Z"},
	} {
		run, err := s.DigestBySlot(ctx, slot.channel, slot.slot)
		add("DigestBySlot "+slot.slot, run, err)
	}
	un, err := s.UnfinishedDigests(ctx, "")
	add("UnfinishedDigests", un, err)
	for _, c := range []string{copyChannel1, copyChannel2} {
		ps, err := s.PostedStories(ctx, c, now.Add(-7*24*time.Hour))
		add("PostedStories "+c, ps, err)
		items, err := s.UnseenItems(ctx, news.UnseenQuery{GuildID: copyGuild1, ChannelID: c, Now: now, Lookback: 48 * time.Hour})
		add("UnseenItems "+c, items, err)
	}
	for _, g := range []string{copyGuild1, copyGuild2} {
		ps, err := s.PostedCVEs(ctx, g, "CVE-2026-1", 0)
		add("PostedCVEs "+g, ps, err)
	}
	in, err := s.CVEIntel(ctx, []string{"CVE-2026-1", "CVE-2026-2", "CVE-2026-3", "CVE-2026-4"})
	add("CVEIntel", in, err)
	src, err := s.IntelSources(ctx)
	add("IntelSources", src, err)
	for _, g := range []string{copyGuild1, copyGuild2} {
		cs, err := s.GuildKEVAlerts(ctx, g)
		add("GuildKEVAlerts "+g, cs, err)
	}
	done, err := s.KEVAlertsDone(ctx, copyChannel1, []string{"CVE-2026-1", "CVE-2026-2"})
	add("KEVAlertsDone", done, err)
	ws, err := s.AllWatches(ctx)
	add("AllWatches", ws, err)
	for _, g := range []string{copyGuild1, copyGuild2} {
		ws, err := s.GuildWatches(ctx, g)
		add("GuildWatches "+g, ws, err)
	}
	for _, k := range []struct{ channel, story string }{{copyChannel1, "story-1"}, {copyChannel2, "story-2"}} {
		a, err := s.WatchAlert(ctx, k.channel, k.story)
		add("WatchAlert "+k.story, a, err)
	}
	held, err := s.HeldWatchAlerts(ctx, "")
	add("HeldWatchAlerts", held, err)
	return view
}

// compareViews fails t for each query whose results differ.
func compareViews(t *testing.T, got, want map[string]any) {
	t.Helper()
	for name, w := range want {
		if g := got[name]; !reflect.DeepEqual(g, w) {
			t.Errorf("%s after the copy:\n got %+v\nwant %+v", name, g, w)
		}
	}
}

// copiedTables is every table of the copy plan, in its order.
func copiedTables() []string {
	plan, _ := copyPlan()
	var out []string
	for _, t := range plan {
		out = append(out, t.name)
	}
	return out
}

// checkCounts checks that counts names every table of the plan in order,
// with the source's row count, and copied rows as want says.
func checkCounts(t *testing.T, src *Store, counts []TableCount, copied func(table string, source int) int) {
	t.Helper()
	tables := copiedTables()
	if len(counts) != len(tables) {
		t.Fatalf("counts = %+v, want one per table of %v", counts, tables)
	}
	for i, c := range counts {
		source := tableRows(t, src, tables[i])
		if c.Table != tables[i] || c.Source != source || c.Rows != copied(c.Table, source) {
			t.Errorf("counts[%d] = %+v, want {%s %d %d}", i, c, tables[i], copied(c.Table, source), source)
		}
	}
}

func TestCopyFrom(t *testing.T) {
	for _, dest := range copyDestinations() {
		t.Run("into "+dest.name, func(t *testing.T) {
			ctx := context.Background()
			clock := &testClock{t: time.Date(2026, 7, 5, 6, 0, 0, 0, time.UTC)}
			src := openTestStore(t, WithClock(clock.Now))
			fillCopySource(t, src, clock)
			dst := dest.open(t, WithClock(clock.Now))

			counts, err := dst.CopyFrom(ctx, src)
			if err != nil {
				t.Fatal(err)
			}
			checkCounts(t, src, counts, func(_ string, source int) int { return source })
			for _, c := range counts {
				if c.Source == 0 {
					t.Errorf("the fixture leaves %s empty: the test would not see it copied", c.Table)
				}
				if n := tableRows(t, dst, c.Table); n != c.Source {
					t.Errorf("%s has %d rows after the copy, the source %d", c.Table, n, c.Source)
				}
			}
			for _, table := range []string{"job_claims", "token_reservations"} {
				if n := tableRows(t, dst, table); n != 0 {
					t.Errorf("%s: %d rows copied, want none (transient)", table, n)
				}
			}
			want := copyView(t, src, clock.t)
			compareViews(t, copyView(t, dst, clock.t), want)

			// Again: nothing new, the same contents.
			counts, err = dst.CopyFrom(ctx, src)
			if err != nil {
				t.Fatalf("second copy: %v", err)
			}
			checkCounts(t, src, counts, func(string, int) int { return 0 })
			compareViews(t, copyView(t, dst, clock.t), want)

			// Inserts after the copy take new ids: the identities were advanced.
			clock.t = clock.t.Add(time.Minute)
			if n, err := dst.AddItems(ctx, copyFeedA, []news.Item{{ID: "a-new", Title: "new", Published: clock.t}}); err != nil || n != 1 {
				t.Fatalf("AddItems after the copy = %d, %v", n, err)
			}
			if err := dst.AddTurn(ctx, "th-sum", news.Turn{Question: "new?", Answer: "yes"}); err != nil {
				t.Fatalf("AddTurn after the copy: %v", err)
			}
			if _, err := dst.CreateDigest(ctx, news.DigestRun{GuildID: copyGuild1, ChannelID: copyChannel1, Slot: "now:2",
				Items: []news.DigestItem{{FeedURL: copyFeedA, ItemID: "a-new"}}}); err != nil {
				t.Fatalf("CreateDigest after the copy: %v", err)
			}
			if _, err := dst.AddWatch(ctx, news.Watch{GuildID: copyGuild1, ChannelID: copyChannel2, Term: "new"}, 0); err != nil {
				t.Fatalf("AddWatch after the copy: %v", err)
			}
			for _, table := range []string{"items", "turns", "digests", "watches"} {
				var maxDst, maxSrc int64
				if err := dst.read.QueryRowContext(ctx, `SELECT MAX(id) FROM `+table).Scan(&maxDst); err != nil {
					t.Fatal(err)
				}
				if err := src.read.QueryRowContext(ctx, `SELECT MAX(id) FROM `+table).Scan(&maxSrc); err != nil {
					t.Fatal(err)
				}
				if maxDst != maxSrc+1 {
					t.Errorf("%s: the insert after the copy took id %d, want %d", table, maxDst, maxSrc+1)
				}
			}
		})
	}
}

// TestCopyFromCompletesAnInterruptedCopy: a destination holding part of
// the source (as a copy interrupted between batches leaves it) gets
// exactly the missing rows.
func TestCopyFromCompletesAnInterruptedCopy(t *testing.T) {
	for _, dest := range copyDestinations() {
		t.Run("into "+dest.name, func(t *testing.T) {
			ctx := context.Background()
			clock := &testClock{t: time.Date(2026, 7, 5, 6, 0, 0, 0, time.UTC)}
			src := openTestStore(t, WithClock(clock.Now))
			fillCopySource(t, src, clock)
			dst := dest.open(t, WithClock(clock.Now))
			if _, err := dst.CopyFrom(ctx, src); err != nil {
				t.Fatal(err)
			}
			// Take away a part: a digest, feed B's items (with their digest
			// rows, by cascade), the last turn and the usage.
			for _, q := range []string{
				`DELETE FROM digests WHERE slot = 'now:1'`,
				`DELETE FROM items WHERE feed_url = '` + copyFeedB + `'`,
				`DELETE FROM turns WHERE id = (SELECT MAX(id) FROM turns)`,
				`DELETE FROM usage`,
			} {
				if _, err := dst.write.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			missing := map[string]int{}
			for _, table := range copiedTables() {
				missing[table] = tableRows(t, src, table) - tableRows(t, dst, table)
			}
			counts, err := dst.CopyFrom(ctx, src)
			if err != nil {
				t.Fatal(err)
			}
			checkCounts(t, src, counts, func(table string, _ int) int { return missing[table] })
			for _, table := range []string{"digests", "items", "turns", "usage", "digest_items", "digest_parts"} {
				if missing[table] == 0 {
					t.Errorf("nothing of %s was taken away: the test would not see it completed", table)
				}
			}
			compareViews(t, copyView(t, dst, clock.t), copyView(t, src, clock.t))
		})
	}
}

// TestCopyFromRefusesAnotherStoresRows: a destination with rows of its own
// under the source's ids is not mixed with the source's references.
func TestCopyFromRefusesAnotherStoresRows(t *testing.T) {
	for _, dest := range copyDestinations() {
		t.Run("into "+dest.name, func(t *testing.T) {
			ctx := context.Background()
			clock := &testClock{t: time.Date(2026, 7, 5, 6, 0, 0, 0, time.UTC)}
			src := openTestStore(t, WithClock(clock.Now))
			fillCopySource(t, src, clock)
			dst := dest.open(t, WithClock(clock.Now))
			// The destination's own item takes id 1, which the source gives a1.
			if _, err := dst.AddItems(ctx, copyFeedA, []news.Item{{ID: "own", Title: "own item"}}); err != nil {
				t.Fatal(err)
			}
			_, err := dst.CopyFrom(ctx, src)
			if err == nil || !strings.Contains(err.Error(), "table items") || !strings.Contains(err.Error(), "another row under id 1") {
				t.Fatalf("CopyFrom into a store with its own items: %v, want an error about items id 1", err)
			}
			if n := tableRows(t, dst, "digest_items"); n != 0 {
				t.Errorf("%d digest items copied after the refusal", n)
			}
		})
	}
}

// TestCopyFromRefusesAnUnknownTable: a table the copy plan does not know
// (a migration added it, the plan was not updated) stops the copy before
// anything is copied, naming the table.
func TestCopyFromRefusesAnUnknownTable(t *testing.T) {
	ctx := context.Background()
	src := openTestStore(t)
	if err := src.PutArticle(ctx, sampleArticle("https://x.example/", "text")); err != nil {
		t.Fatal(err)
	}
	if _, err := src.write.ExecContext(ctx, `CREATE TABLE bookmarks (id INTEGER PRIMARY KEY, url TEXT)`); err != nil {
		t.Fatal(err)
	}
	dst := openTestStore(t)
	counts, err := dst.CopyFrom(ctx, src)
	if err == nil || !strings.Contains(err.Error(), "bookmarks") {
		t.Fatalf("CopyFrom = %v, %v; want an error naming bookmarks", counts, err)
	}
	if n := tableRows(t, dst, "articles"); n != 0 || len(counts) != 0 {
		t.Errorf("copied %d articles (counts %v) before refusing", n, counts)
	}
}

// TestCopyPlanCoversTheSchema: every table of the migrated schema, in both
// dialects, is copied or skipped, and the plan orders each table after the
// tables its foreign keys reference.
func TestCopyPlanCoversTheSchema(t *testing.T) {
	for _, dest := range copyDestinations() {
		t.Run(dest.name, func(t *testing.T) {
			s := dest.open(t)
			if _, err := s.copyTables(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("foreign key order", func(t *testing.T) {
		s := openTestStore(t)
		pos := map[string]int{}
		for i, name := range copiedTables() {
			pos[name] = i
		}
		for _, name := range copiedTables() {
			refs, err := s.queryNames(context.Background(), `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`, name)
			if err != nil {
				t.Fatal(err)
			}
			for _, ref := range refs {
				if pos[ref] >= pos[name] {
					t.Errorf("%s references %s but is copied before it", name, ref)
				}
			}
		}
	})
}

// TestCopyFromRefusesMismatchedStores: stores at different schema versions,
// and a store copied into itself.
func TestCopyFromRefusesMismatchedStores(t *testing.T) {
	ctx := context.Background()
	embedded, err := embeddedMigrations(sqliteDialect)
	if err != nil {
		t.Fatal(err)
	}
	older := fstest.MapFS{}
	names, err := fs.Glob(embedded, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names[:len(names)-1] {
		body, err := fs.ReadFile(embedded, n)
		if err != nil {
			t.Fatal(err)
		}
		older[n] = &fstest.MapFile{Data: body}
	}
	path := filepath.Join(t.TempDir(), "one.db")
	current := openTestStoreAt(t, path)
	cases := []struct {
		name     string
		src, dst *Store
		want     string
	}{
		{"older destination", current, openTestStore(t, withMigrations(older)), "schema is at version"},
		{"older source", openTestStore(t, withMigrations(older)), current, "schema is at version"},
		{"itself", current, current, "same database"},
		{"the same file opened twice", openTestStoreAt(t, path), current, "same database"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := c.dst.CopyFrom(ctx, c.src); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("CopyFrom = %v, want an error containing %q", err, c.want)
			}
		})
	}
}
