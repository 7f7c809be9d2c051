package main

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/config"
	"github.com/secbrief/secbrief/internal/fakediscord"
	"github.com/secbrief/secbrief/internal/fakellm"
	"github.com/secbrief/secbrief/internal/pgtest"
	"github.com/secbrief/secbrief/internal/tcpproxy"
)

// pgPollInterval is feeds.poll_interval in these tests: the shortest the
// config allows.
const pgPollInterval = time.Minute

// TestPostgresShardsShareTheWork runs three `secbrief run` processes,
// shards 0–2 of 3, on one PostgreSQL database. The six guilds follow 30
// feeds (five each) and have a digest each whose slot passed a minute ago,
// so all three processes catch the six up at once when they start. Every
// feed is fetched, and no feed twice within a poll interval; every digest
// is posted exactly once, each part once, no part even attempted twice;
// no story is summarized twice. The same article, /summarize'd at once in
// two guilds of two different shards, is summarized with one LLM call
// and both get the summary.
func TestPostgresShardsShareTheWork(t *testing.T) {
	t.Parallel()
	dsn := pgtest.New(t)
	const n, perGuild = 3, 5
	h := newShardHarness(t, n, 2)
	h.cfg.Feeds.PollInterval = config.Duration(pgPollInterval)
	farm := newFeedFarm(t, h)
	st := openPG(t, dsn)
	guilds := h.dc.GuildIDs()
	feedCount := len(guilds) * perGuild
	var channels []string
	for k, g := range guilds {
		for j := range perGuild {
			seedFeed(t, st, farm, g, k*perGuild+j)
		}
		channels = append(channels, h.dc.TextChannel(g))
		seedDigest(t, st, g, channels[k])
	}

	// The shared article's summary is held back until both processes
	// fetched the article (or 5 s went by), so the two requests overlap.
	const sharedPath, sharedMarker = "/shared-article", "SHAREDARTICLE"
	farm.page(sharedPath, markedArticle(farm.URL, sharedPath, sharedMarker))
	h.llm.SetResponder(func(r fakellm.Request) fakellm.Response {
		if r.Contains(sharedMarker) {
			for end := time.Now().Add(5 * time.Second); len(farm.fetchesOf(sharedPath)) < 2 && time.Now().Before(end); {
				time.Sleep(20 * time.Millisecond)
			}
		}
		if r.ResponseFormat == "json_object" {
			return fakellm.Reply(acmeSummary)
		}
		return fakellm.Reply("Versions 7.0 through 7.2 are affected; 7.2.1 fixes it.")
	})

	set := h.startShards(n, pgStorage(dsn))

	a, b := h.dc.GuildsOfShard(0, n)[0], h.dc.GuildsOfShard(1, n)[0]
	var sent []fakediscord.Dispatched
	for _, g := range []string{a, b} {
		spec := fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", farm.URL+sharedPath))
		spec.GuildID = g
		sent = append(sent, h.dispatch(spec))
	}
	for _, d := range sent {
		got := h.settled(d)
		if want := []int{set.owner(got.GuildID)}; !slices.Equal(got.Shards, want) {
			t.Errorf("/summarize in guild %s went to shards %v, want %v", got.GuildID, got.Shards, want)
		}
		if got.Original == nil || len(got.Original.Embeds) != 1 || got.Original.Ephemeral() {
			t.Errorf("/summarize in guild %s answered %+v, want the summary's public embed", got.GuildID, finalText(got))
		}
	}
	if calls := llmCallsWith(h, sharedMarker); len(calls) != 1 {
		t.Errorf("the article /summarize'd in two shards' guilds at once took %d LLM calls (shards %v), want 1",
			len(calls), calls)
	}

	h.waitFor("every feed fetched", 45*time.Second, func() bool {
		for i := range feedCount {
			if len(farm.fetchesOf(farm.feedPath(i))) == 0 {
				return false
			}
		}
		return true
	})
	h.waitFor("every digest posted", 60*time.Second, func() bool {
		for _, ch := range channels {
			if !digestDone(t, st, ch) {
				return false
			}
		}
		return true
	})

	byShard := make([]int, n)
	for i := range feedCount {
		path := farm.feedPath(i)
		farm.checkOncePerInterval(t, path, pgPollInterval)
		for _, f := range farm.fetchesOf(path) {
			if f.shard < 0 || f.shard >= n {
				t.Errorf("%s fetched with a User-Agent of no shard", path)
				continue
			}
			byShard[f.shard]++
		}
	}
	t.Logf("feed fetches by shard: %v", byShard)
	for _, ch := range channels {
		checkDigestOnce(t, h, ch)
		nonces := map[string]int{}
		for _, r := range messagePosts(h, ch) {
			if r.Message != nil && len(r.Message.Nonce) > 0 {
				nonces[string(r.Message.Nonce)]++
			}
		}
		for nonce, k := range nonces {
			if k > 1 {
				t.Errorf("digest message %s sent %d times to channel %s: two processes posted one digest", nonce, k, ch)
			}
		}
	}
	for i := range feedCount {
		if calls := llmCallsWith(h, storyMarker(i)); len(calls) > 1 {
			t.Errorf("story %d summarized %d times (by shards %v), want at most once", i, len(calls), calls)
		}
	}

	set.stop()
	h.checkNoPings()
	set.checkLogs()
}

// llmCallsWith lists, for each LLM request that holds marker, the shard
// that made it (from its API key; -1 for none).
func llmCallsWith(h *harness, marker string) []int {
	var out []int
	for _, r := range h.llm.Requests() {
		if !r.Contains(marker) {
			continue
		}
		shard := -1
		for i := range 16 {
			if r.Header.Get("Authorization") == fmt.Sprintf("Bearer %s-shard%d", sentinelLLMKey, i) {
				shard = i
			}
		}
		out = append(out, shard)
	}
	return out
}

// TestPostgresKilledShardsWorkIsTakenOver runs three shards on one
// PostgreSQL database with storage.lease 10s and kills (SIGKILL) the
// process fetching a feed, and the process in the middle of posting a
// digest (its header posted, the next part created on Discord but never
// acknowledged). Nobody else fetches the feed while its lease lasts; after
// it lapses one surviving process polls the feed and stores its item. The
// digest is finished by a surviving process, no sooner than the lease
// allows, each part in the channel once (the resent part carries the
// same nonce, which Discord answers with the message it already has), with
// one thread.
func TestPostgresKilledShardsWorkIsTakenOver(t *testing.T) {
	t.Parallel()
	dsn := pgtest.New(t)
	const n = 3
	h := newShardHarness(t, n, 1)
	h.cfg.Feeds.PollInterval = config.Duration(pgPollInterval)
	farm := newFeedFarm(t, h)
	st := openPG(t, dsn)
	guilds := h.dc.GuildIDs()
	// Guild 0 follows feed 0, whose first fetch never gets its answer.
	// Guild 1 follows feeds 1 and 2 and has a digest due, whose second
	// message is created but not acknowledged.
	heldFeed := farm.feedPath(0)
	feedArrived, releaseFeed := farm.holdFirst(heldFeed)
	defer releaseFeed()
	ctx := t.Context()
	if _, err := st.Subscribe(ctx, guilds[0], farm.feedURL(0), "Outlet 0"); err != nil {
		t.Fatal(err)
	}
	seedFeed(t, st, farm, guilds[1], 1)
	seedFeed(t, st, farm, guilds[1], 2)
	channel := h.dc.TextChannel(guilds[1])
	seedDigest(t, st, guilds[1], channel)
	partArrived, releasePart := h.dc.Stall("POST", "/channels/"+channel+"/messages", 1)
	defer releasePart()

	set := h.startShards(n, pgStorage(dsn))

	waitClosed(t, feedArrived, 45*time.Second, "the held feed fetched")
	first := farm.fetchesOf(heldFeed)[0]
	waitClosed(t, partArrived, 45*time.Second, "the digest's second part sent")
	poster := -1
	for i := range n {
		if logLine(set.log(i), "digest recorded", "channel_id", channel) != "" {
			poster = i
		}
	}
	if first.shard < 0 || poster < 0 {
		t.Fatalf("feed fetched by shard %d, digest recorded by shard %d: want both known", first.shard, poster)
	}
	posts := messagePosts(h, channel)
	if len(posts) != 1 {
		t.Fatalf("%d digest messages answered before the stalled one, want the header", len(posts))
	}
	header := posts[0]
	set.kill(first.shard)
	if poster != first.shard {
		set.kill(poster)
	}
	killedAt := time.Now()
	t.Logf("killed shard %d (fetching %s) and shard %d (posting the digest)", first.shard, heldFeed, poster)
	alive := func(shard int) bool { return shard >= 0 && shard != first.shard && shard != poster }

	// The digest: finished by a survivor once the dead poster's lease (last
	// renewed when its header was recorded) lapsed.
	h.waitFor("the digest finished by a survivor", pgLease+45*time.Second, func() bool { return digestDone(t, st, channel) })
	checkDigestOnce(t, h, channel)
	for _, r := range messagePosts(h, channel) {
		// The fake records a request once answered: the stalled part shows
		// up only after its poster died, but it arrived before.
		if r.Received.Before(killedAt) {
			continue
		}
		if early := header.Received.Add(pgLease).Sub(r.Received); early > 500*time.Millisecond {
			t.Errorf("digest part resent %v before the dead poster's lease lapsed", early.Round(time.Millisecond))
		}
	}

	// The feed: polled by a survivor after the lease, once, its item stored.
	h.waitFor("the held feed polled by a survivor", pgPollInterval+pgLease+20*time.Second, func() bool {
		fs := farm.fetchesOf(heldFeed)
		return len(fs) > 1 && alive(fs[len(fs)-1].shard)
	})
	fs := farm.fetchesOf(heldFeed)
	if len(fs) != 2 {
		t.Errorf("%s fetched %d times (shards %v), want twice: by the killed shard and one survivor", heldFeed, len(fs), fs)
	}
	if early := first.at.Add(pgLease).Sub(fs[1].at); early > 500*time.Millisecond {
		t.Errorf("%s fetched again %v before the killed fetcher's lease lapsed", heldFeed, early.Round(time.Millisecond))
	}
	if fs[1].at.Before(killedAt) {
		t.Errorf("%s fetched again while its fetcher was alive", heldFeed)
	}
	h.waitFor("the held feed's item stored", 10*time.Second, func() bool {
		items, err := st.FeedItems(ctx, farm.feedURL(0))
		return err == nil && len(items) == 1
	})
	set.stop()
	h.checkNoPings()
	set.checkLogs()
}

// waitClosed waits until ch is closed, failing after within.
func waitClosed(t testing.TB, ch <-chan struct{}, within time.Duration, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(within):
		t.Fatalf("waiting %v for %s", within, what)
	}
}

// TestPostgresConnectionCutMidRun runs two shards whose connections to
// PostgreSQL go through a proxy, and cuts every one of them while a feed
// fetch and a digest's summary are under way. Each process logs the loss
// and the reconnect, and loses nothing: the feed's poll is saved with its
// item, the digest is posted once, and a /summarize sent after the cut is
// answered with its summary.
func TestPostgresConnectionCutMidRun(t *testing.T) {
	t.Parallel()
	dsn := pgtest.New(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := tcpproxy.New(t, u.Host)
	u.Host = proxy.Addr()
	const n = 2
	h := newShardHarness(t, n, 1)
	h.cfg.Feeds.PollInterval = config.Duration(pgPollInterval)
	farm := newFeedFarm(t, h)
	st := openPG(t, dsn) // the test's own store does not go through the proxy
	guilds := h.dc.GuildIDs()

	// Guild 0 follows feed 0, whose first fetch waits for the cut. Guild 1
	// follows feed 1 and has a digest due, whose story's summary waits for
	// the cut.
	heldFeed := farm.feedPath(0)
	feedArrived, releaseFeed := farm.holdFirst(heldFeed)
	defer releaseFeed()
	if _, err := st.Subscribe(t.Context(), guilds[0], farm.feedURL(0), "Outlet 0"); err != nil {
		t.Fatal(err)
	}
	seedFeed(t, st, farm, guilds[1], 1)
	channel := h.dc.TextChannel(guilds[1])
	seedDigest(t, st, guilds[1], channel)
	cut := make(chan struct{})
	summaryAsked := make(chan struct{}, 1) // the digest's story reached the LLM
	h.llm.SetResponder(func(r fakellm.Request) fakellm.Response {
		if r.Contains(storyMarker(1)) {
			select {
			case summaryAsked <- struct{}{}:
			default:
			}
			select {
			case <-cut:
			case <-time.After(45 * time.Second):
			}
		}
		if r.ResponseFormat == "json_object" {
			return fakellm.Reply(acmeSummary)
		}
		return fakellm.Reply("Versions 7.0 through 7.2 are affected; 7.2.1 fixes it.")
	})

	set := h.startShards(n, pgStorage(u.String()))
	waitClosed(t, feedArrived, 45*time.Second, "the held feed fetched")
	select {
	case <-summaryAsked:
	case <-time.After(45 * time.Second):
		t.Fatal("the digest's story never reached the LLM")
	}
	if proxy.Conns() == 0 {
		t.Fatal("no connection through the proxy to cut")
	}
	proxy.Cut()
	cutAt := time.Now()
	close(cut)
	releaseFeed()

	// A /summarize after the cut.
	const path, marker = "/after-cut", "AFTERCUTARTICLE"
	farm.page(path, markedArticle(farm.URL, path, marker))
	spec := fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", farm.URL+path))
	spec.GuildID = guilds[0]
	got := h.settled(h.dispatch(spec))
	if got.Original == nil || len(got.Original.Embeds) != 1 || got.Original.Ephemeral() {
		t.Errorf("/summarize after the cut answered %+v, want the summary's public embed", finalText(got))
	}

	h.waitFor("the digest posted after the cut", 45*time.Second, func() bool { return digestDone(t, st, channel) })
	checkDigestOnce(t, h, channel)
	h.waitFor("the held feed's poll saved", 30*time.Second, func() bool {
		fs, err := st.FeedState(context.Background(), farm.feedURL(0))
		items, ierr := st.FeedItems(context.Background(), farm.feedURL(0))
		return err == nil && ierr == nil && fs.LastPolledAt.After(time.Time{}) && len(items) == 1
	})
	if fs := farm.fetchesOf(heldFeed); len(fs) != 1 {
		t.Errorf("%s fetched %d times, want once", heldFeed, len(fs))
	}
	if fs, err := st.FeedState(context.Background(), farm.feedURL(0)); err != nil || fs.Failures != 0 {
		t.Errorf("%s after the cut: %d failures (%q), %v; want its poll saved as a success", heldFeed, fs.Failures, fs.LastError, err)
	}
	// The digest's summary, asked before the cut and answered after it,
	// has its usage recorded against the guild (not just a reservation
	// left to lapse).
	day := time.Now().UTC().Format(time.DateOnly)
	h.waitFor("the digest summary's usage recorded", 10*time.Second, func() bool {
		used, err := st.GuildUsage(context.Background(), guilds[1], day, day)
		if err != nil {
			t.Fatalf("usage of guild %s: %v", guilds[1], err)
		}
		tokens := 0
		for _, u := range used {
			tokens += u.PromptTokens + u.CompletionTokens
		}
		return tokens > 0
	})
	h.waitFor("every shard logged the loss and the reconnect", 30*time.Second, func() bool {
		for i := range n {
			log := set.log(i)
			lost := strings.Index(log, "lost a connection to PostgreSQL")
			back := strings.LastIndex(log, "reconnected to PostgreSQL")
			if lost < 0 || back < lost {
				return false
			}
		}
		return true
	})
	if proxy.Conns() == 0 {
		t.Error("no connection through the proxy after the cut")
	}
	t.Logf("cut at %v; all recovered %v later", cutAt.Format(time.TimeOnly), time.Since(cutAt).Round(time.Millisecond))
	set.stop()
	h.checkNoPings()
	set.checkLogs()
}
