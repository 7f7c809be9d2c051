package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakediscord"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/storage"
)

// pgLease is storage.lease for the processes that share a PostgreSQL
// database: the shortest the config allows, so a killed process's jobs
// are free again soon.
const pgLease = 10 * time.Second

// pgStorage is every shard's storage section (for startShards): the one
// PostgreSQL database of dsn, with pgLease.
func pgStorage(dsn string) func(shard int) string {
	return func(int) string {
		return fmt.Sprintf("storage:\n  driver: postgres\n  dsn: %q\n  lease: %s\n", dsn, pgLease)
	}
}

// openPG opens the test's own Store on the database the processes share,
// to seed it and to look into it; it is closed when the test ends.
func openPG(t testing.TB, dsn string) *storage.Store {
	t.Helper()
	st, err := storage.OpenPostgres(context.Background(), dsn, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// feedFarm is a web server of numbered feeds (/feed/N.xml, one recent
// item each, linking /story/N) and their articles. It records every fetch
// with its time and the shard that made it (from the User-Agent), and can
// hold the first fetch of a path.
type feedFarm struct {
	*httptest.Server
	published time.Time // of every item, so each fetch of a feed is the same

	mu      sync.Mutex
	fetches []farmFetch
	holds   map[string]*farmHold
	pages   map[string]string // extra HTML pages by path
}

// farmFetch is one request the farm received.
type farmFetch struct {
	path  string
	shard int // -1 when the User-Agent is not a shard's
	at    time.Time
}

// farmHold withholds the response to the first fetch of a path.
type farmHold struct {
	taken   bool
	arrived chan struct{}
	release chan struct{}
	once    sync.Once
}

// newFeedFarm starts a farm and lets h's processes fetch from it.
func newFeedFarm(t testing.TB, h *harness) *feedFarm {
	t.Helper()
	f := &feedFarm{published: time.Now().Add(-20 * time.Minute).Truncate(time.Second),
		holds: map[string]*farmHold{}, pages: map[string]string{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	// Cleanups run last-in first-out: held requests end before Close waits
	// for them.
	t.Cleanup(f.releaseAll)
	u, err := url.Parse(f.URL)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	h.cfg.Fetch.AllowPorts = append(h.cfg.Fetch.AllowPorts, port)
	return f
}

func (f *feedFarm) feedPath(i int) string  { return fmt.Sprintf("/feed/%d.xml", i) }
func (f *feedFarm) feedURL(i int) string   { return f.URL + f.feedPath(i) }
func (f *feedFarm) storyPath(i int) string { return fmt.Sprintf("/story/%d", i) }

// storyMarker is a word only story i's article holds, to find the LLM
// calls that summarized it.
func storyMarker(i int) string { return fmt.Sprintf("FARMSTORY%03d", i) }

// item is feed i's one item, as the feed serves it and the poller stores
// it.
func (f *feedFarm) item(i int) news.Item {
	link := f.URL + f.storyPath(i)
	title := fmt.Sprintf("Outlet %d reports incident number %d", i, i)
	return news.Item{ID: link, FeedURL: f.feedURL(i), FeedTitle: fmt.Sprintf("Outlet %d", i), Title: title,
		Link: link, Content: title + ". Full story at the link.", Published: f.published}
}

// page serves html at path (a /summarize target, say).
func (f *feedFarm) page(path, html string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pages[path] = html
}

// holdFirst withholds the response to the next fetch of path until
// release is called or the fetcher goes away; arrived is closed when that
// fetch came in.
func (f *feedFarm) holdFirst(path string) (arrived <-chan struct{}, release func()) {
	hd := &farmHold{arrived: make(chan struct{}), release: make(chan struct{})}
	f.mu.Lock()
	f.holds[path] = hd
	f.mu.Unlock()
	return hd.arrived, func() { hd.once.Do(func() { close(hd.release) }) }
}

func (f *feedFarm) releaseAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, hd := range f.holds {
		hd.once.Do(func() { close(hd.release) })
	}
}

func (f *feedFarm) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.fetches = append(f.fetches, farmFetch{path: r.URL.Path, shard: userAgentShard(r.UserAgent()), at: time.Now()})
	hd := f.holds[r.URL.Path]
	if hd != nil && hd.taken {
		hd = nil
	} else if hd != nil {
		hd.taken = true
	}
	extra, isPage := f.pages[r.URL.Path]
	f.mu.Unlock()
	if hd != nil {
		close(hd.arrived)
		select {
		case <-hd.release:
		case <-r.Context().Done():
			return
		}
	}
	var i int
	switch {
	case isPage:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, extra)
	case sscan(r.URL.Path, "/feed/%d.xml", &i):
		it := f.item(i)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title><link>%s</link>`+
			`<item><title>%s</title><link>%s</link><guid>%s</guid><pubDate>%s</pubDate><description>%s</description></item></channel></rss>`,
			it.FeedTitle, f.URL, it.Title, it.Link, it.ID, it.Published.UTC().Format(time.RFC1123Z), it.Content)
	case sscan(r.URL.Path, "/story/%d", &i):
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, markedArticle(f.URL, r.URL.Path, storyMarker(i)))
	default:
		http.NotFound(w, r)
	}
}

// sscan reports whether s is exactly format with one %d filled in.
func sscan(s, format string, i *int) bool {
	n, err := fmt.Sscanf(s, format, i)
	return err == nil && n == 1 && fmt.Sprintf(format, *i) == s
}

// userAgentShard is the shard whose fetch.user_agent (shardUserAgent) ua
// is, or -1.
func userAgentShard(ua string) int {
	rest, ok := strings.CutPrefix(ua, shardUserAgentPrefix)
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(rest)
	if err != nil {
		return -1
	}
	return n
}

// fetchesOf lists the fetches of path, oldest first.
func (f *feedFarm) fetchesOf(path string) []farmFetch {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []farmFetch
	for _, x := range f.fetches {
		if x.path == path {
			out = append(out, x)
		}
	}
	return out
}

// checkOncePerInterval fails when two fetches of path came closer together
// than the poll interval allows (minus slack for the clock reads around a
// poll): two processes polled the feed in one interval.
func (f *feedFarm) checkOncePerInterval(t testing.TB, path string, interval time.Duration) {
	t.Helper()
	fs := f.fetchesOf(path)
	for k := 1; k < len(fs); k++ {
		if gap := fs[k].at.Sub(fs[k-1].at); gap < interval-5*time.Second {
			t.Errorf("%s fetched by shard %d and %v later again by shard %d, within one poll interval (%v)",
				path, fs[k-1].shard, gap.Round(time.Millisecond), fs[k].shard, interval)
		}
	}
}

// dueSlotTime is a digest time ("HH:MM", UTC) whose slot today passed a
// minute or two ago: a schedule at that time, stored before the processes
// start, is missed but within digest.grace, so every process's scheduler
// catches it up at once when it starts.
func dueSlotTime() string {
	return time.Now().UTC().Add(-time.Minute).Format("15:04")
}

// seedDigest stores a digest schedule for channel of guild, due at start
// (dueSlotTime).
func seedDigest(t testing.TB, st *storage.Store, guild, channel string) {
	t.Helper()
	if err := st.PutDigestSchedule(context.Background(), news.DigestSchedule{ChannelID: channel, GuildID: guild,
		Time: dueSlotTime(), Timezone: "UTC", Enabled: true, CreatedBy: "test"}); err != nil {
		t.Fatal(err)
	}
}

// seedFeed subscribes guild to farm feed i and stores its item, as a poll
// before the processes started would have: a digest has it to show
// whichever process polls the feed, and when.
func seedFeed(t testing.TB, st *storage.Store, f *feedFarm, guild string, i int) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.Subscribe(ctx, guild, f.feedURL(i), fmt.Sprintf("Outlet %d", i)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddItems(ctx, f.feedURL(i), []news.Item{f.item(i)}); err != nil {
		t.Fatal(err)
	}
}

// digestPost is the digest messages a channel holds: the parts (message
// ids by part index) of each digest key (the nonces news.DigestNonce
// gives, "sbd<id>.<part>").
type digestPost map[string]map[int][]string

// digestPosts reads channel's digest messages from the fake Discord.
func digestPosts(h *harness, channel string) digestPost {
	out := digestPost{}
	for _, m := range h.dc.Messages(channel) {
		key, part, ok := strings.Cut(m.Nonce, ".")
		idx, err := strconv.Atoi(part)
		if !ok || err != nil || !strings.HasPrefix(key, "sbd") {
			continue
		}
		if out[key] == nil {
			out[key] = map[int][]string{}
		}
		out[key][idx] = append(out[key][idx], m.ID)
	}
	return out
}

// digestDone reports whether channel's last digest is posted, to the
// end: every part posted and recorded, its thread opened and recorded.
func digestDone(t testing.TB, st *storage.Store, channel string) bool {
	t.Helper()
	run, err := st.LastPostedDigest(context.Background(), channel)
	if errors.Is(err, news.ErrNotFound) {
		return false
	}
	if err != nil {
		t.Fatalf("last digest of %s: %v", channel, err)
	}
	return run.ThreadID != ""
}

// checkDigestOnce fails unless channel holds exactly one digest, each of
// its parts (a header and at least one message of stories) once, with one
// thread.
func checkDigestOnce(t testing.TB, h *harness, channel string) {
	t.Helper()
	posts := digestPosts(h, channel)
	if len(posts) != 1 {
		t.Errorf("channel %s holds %d digests (nonce keys %v), want 1", channel, len(posts), mapKeys(posts))
	}
	for key, parts := range posts {
		if len(parts) < 2 {
			t.Errorf("digest %s in channel %s has %d parts, want a header and its stories", key, channel, len(parts))
		}
		for i := range len(parts) {
			if len(parts[i]) != 1 {
				t.Errorf("digest %s part %d is %d messages in channel %s, want 1 (parts %v)", key, i, len(parts[i]), channel, parts)
			}
		}
	}
	threads := 0
	for _, th := range h.dc.Threads() {
		for _, parts := range posts {
			if th.ParentID == channel && slices.Contains(parts[0], th.StarterMessageID) {
				threads++
			}
		}
	}
	if threads != 1 {
		t.Errorf("channel %s has %d threads on digests, want 1", channel, threads)
	}
}

func mapKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// messagePosts lists the bot's POSTs to channel's messages, oldest first.
func messagePosts(h *harness, channel string) []fakediscord.Request {
	var out []fakediscord.Request
	for _, r := range h.dc.Requests() {
		if r.Method == http.MethodPost && r.Path == "/channels/"+channel+"/messages" {
			out = append(out, r)
		}
	}
	return out
}

// waitFor is harness.wait with a deadline of its own, for waits that
// include a lease or a poll interval running out.
func (h *harness) waitFor(what string, within time.Duration, cond func() bool) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	poll := func() bool {
		tick, stop := context.WithTimeout(ctx, 50*time.Millisecond)
		defer stop()
		_ = h.dc.Wait(tick, cond)
		return cond()
	}
	for !poll() {
		if ctx.Err() != nil {
			h.t.Fatalf("waiting %v for %s: %v", within, what, ctx.Err())
		}
	}
}

// logLine is the first line of log with msg whose attributes include
// every key=value of kv, or "".
func logLine(log, msg string, kv ...string) string {
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, "msg="+strconv.Quote(msg)) && !strings.Contains(line, "msg="+msg+" ") {
			continue
		}
		all := true
		for k := 0; k+1 < len(kv); k += 2 {
			all = all && strings.Contains(line, " "+kv[k]+"="+kv[k+1])
		}
		if all {
			return line
		}
	}
	return ""
}
