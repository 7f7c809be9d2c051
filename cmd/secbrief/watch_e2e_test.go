package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/config"
	"github.com/secbrief/secbrief/internal/fakediscord"
	"github.com/secbrief/secbrief/news"
)

// watchFeed renders a feed of items (title, link path) published minutes
// ago, each item's text its title alone (items sharing words would be
// linked into one story).
func watchFeed(h *harness, title string, items ...[2]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title><link>%s</link>`, title, h.site.URL)
	for i, it := range items {
		pub := time.Now().Add(-time.Duration(5+i) * time.Minute).UTC().Format(time.RFC1123Z)
		fmt.Fprintf(&b, `<item><title>%s</title><link>%s%s</link><guid>%s%s</guid><pubDate>%s</pubDate><description>%s.</description></item>`,
			it[0], h.site.URL, it[1], h.site.URL, it[1], pub, it[0])
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

// setPolled records the feeds as polled an hour ago (so their new items
// are news, not a first poll's past) and due at next.
func (h *harness) setPolled(next time.Time, urls ...string) {
	h.t.Helper()
	ctx := context.Background()
	for _, u := range urls {
		st, err := h.app.store.FeedState(ctx, u)
		if err != nil {
			h.t.Fatal(err)
		}
		st.LastPolledAt, st.NextPollAt = time.Now().Add(-time.Hour), next
		if err := h.app.store.SaveFeedState(ctx, st); err != nil {
			h.t.Fatal(err)
		}
	}
}

// pollUntil polls the feeds, due at once, until done holds. The bot's own
// poller may poll them first (its first round starts when it is ready),
// or have a poll of them in flight that a poll joins: either way the
// next try, or that poller, gets the new items.
func (h *harness) pollUntil(what string, done func() bool, urls ...string) {
	h.t.Helper()
	h.wait(what, func() bool {
		if done() {
			return true
		}
		h.setPolled(time.Now().Add(-time.Minute), urls...)
		if _, err := h.dg.poller.PollDue(context.Background()); err != nil {
			h.t.Error(err)
		}
		return done()
	})
}

// checkRolePing fails unless m pings exactly role (parse [], roles [role],
// no users) and mentions it in its content once; role "" means no ping.
func checkRolePing(t *testing.T, m fakediscord.Message, role string) {
	t.Helper()
	am := m.AllowedMentions
	if am == nil || am.Parse == nil || len(am.Parse) != 0 || len(am.Users) != 0 {
		t.Fatalf("allowed_mentions %+v, want parse [] and no users", am)
	}
	if role == "" {
		if len(am.Roles) != 0 || strings.Contains(m.Content, "<@") {
			t.Errorf("alert without a role pings: roles %v, content %q", am.Roles, m.Content)
		}
		return
	}
	if !slices.Equal(am.Roles, []string{role}) || strings.Count(m.Content, "<@&"+role+">") != 1 {
		t.Errorf("roles %v, content %q; want role %s alone, mentioned once", am.Roles, m.Content, role)
	}
	if m.MentionEveryone || len(m.Mentions) > 0 {
		t.Errorf("message mentions everyone or users: %+v", m)
	}
}

func TestWatchAlertsEndToEnd(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.cfg.Watch.MaxAlertsPerHour = 2
	h.cfg.Feeds.PollInterval = config.Duration(time.Hour) // the bot's poller polls once, at start
	h.start()
	ctx := context.Background()
	guildID := h.dc.GuildID()
	general := h.dc.ChannelID()
	alerts := h.dc.AddChannel(guildID, "security-alerts").ID
	const role = "987654321098765432"

	feedA, feedB := h.site.URL+"/watch-a.xml", h.site.URL+"/watch-b.xml"
	h.site.serve("/watch-a.xml", "application/rss+xml", watchFeed(h, "Outlet A", [2]string{"Globex earnings beat estimates", "/globex"}))
	h.site.serve("/watch-b.xml", "application/rss+xml", watchFeed(h, "Outlet B", [2]string{"Initech moves offices", "/initech"}))
	for _, u := range []string{feedA, feedB} {
		if got := finalText(h.settled(h.dispatch(feedsAdd(u)))); !strings.Contains(got.text, "Added") {
			t.Fatalf("/feeds add %s: %+v", u, got)
		}
	}
	// The role's watch straight in the store (the fake Discord resolves no
	// role options); the other by /watch add in the channel it alerts.
	if _, err := h.app.store.AddWatch(ctx, news.Watch{GuildID: guildID, ChannelID: alerts, Term: "Acme Gateway", RoleID: role}, 0); err != nil {
		t.Fatal(err)
	}
	add := admin(fakediscord.SlashCommand("watch", fakediscord.SubcommandOption("add", fakediscord.StringOption("term", "Zorvex"))))
	if got := finalText(h.settled(h.dispatch(add))); !strings.Contains(got.text, "Watching") {
		t.Fatalf("/watch add: %+v", got)
	}
	before := len(h.dc.Messages(general))
	// Each feed's first poll (by the bot's poller, whose first round runs
	// when it is ready, or by ours) stores its past; what comes next is
	// news.
	h.wait("the feeds' first polls", func() bool {
		polled := func() bool {
			for _, u := range []string{feedA, feedB} {
				if st, err := h.app.store.FeedState(ctx, u); err != nil || st.LastPolledAt.IsZero() {
					return false
				}
			}
			return true
		}
		if polled() {
			return true
		}
		if _, err := h.dg.poller.PollDue(ctx); err != nil {
			t.Error(err)
		}
		return polled()
	})
	stored := func(feed, path string) func() bool {
		return func() bool {
			items, err := h.app.store.FeedItems(ctx, feed)
			if err != nil {
				t.Fatal(err)
			}
			return slices.ContainsFunc(items, func(it news.Item) bool { return it.Link == h.site.URL+path })
		}
	}

	// A watched term in a new item of feed A: one alert in the watch's
	// channel, pinging its role alone; the unwatched item alerts nothing.
	h.site.serve("/watch-a.xml", "application/rss+xml", watchFeed(h, "Outlet A",
		[2]string{"Acme Gateway flaw CVE-2026-12345 exploited in the wild", "/advisory"},
		[2]string{"Widget Corp discloses a data breach", "/widget"},
		[2]string{"Globex earnings beat estimates", "/globex"}))
	h.pollUntil("the Acme alert", func() bool { return len(h.dc.Messages(alerts)) > 0 }, feedA)
	got := h.dc.Messages(alerts)
	if len(got) != 1 {
		t.Fatalf("%d messages in the watch channel, want 1 alert", len(got))
	}
	alert := got[0]
	checkRolePing(t, alert, role)
	if len(alert.Embeds) != 1 || alert.Embeds[0].URL != h.site.URL+"/advisory" ||
		!strings.Contains(alert.Embeds[0].Description, "**Acme Gateway**") ||
		!strings.Contains(alert.Embeds[0].Description, "authentication bypass") { // the summary's TL;DR
		t.Errorf("alert embed %+v, want the headline's link, the term in bold and the summary", alert.Embeds)
	}
	if !strings.Contains(alert.Content, "**Acme Gateway**") {
		t.Errorf("alert content %q does not name the term", alert.Content)
	}
	if n := len(h.dc.Messages(general)); n != before {
		t.Errorf("%d new messages in the other channel, want none (Widget is not watched)", n-before)
	}
	var others []fakediscord.Request
	for _, r := range h.dc.Requests() {
		if r.Message == nil || r.Path != "/channels/"+alerts+"/messages" {
			others = append(others, r)
		}
	}
	h.checkNoPingsIn(others)

	// Another outlet of the story (same CVE): no second alert.
	h.site.serve("/watch-b.xml", "application/rss+xml", watchFeed(h, "Outlet B",
		[2]string{"Attackers hit CVE-2026-12345 in Acme Gateway appliances", "/advisory-copy"},
		[2]string{"Initech moves offices", "/initech"}))
	h.pollUntil("feed B's Acme item stored", stored(feedB, "/advisory-copy"), feedB)
	if n := len(h.dc.Messages(alerts)); n != 1 {
		t.Fatalf("%d messages after a second outlet of the story, want 1", n)
	}

	// A restart: the same new items handed over again alert nothing.
	h.stop()
	h.start()
	items, err := h.app.store.FeedItems(ctx, feedA)
	if err != nil {
		t.Fatal(err)
	}
	h.dg.alerts.OnNewItems(ctx, feedA, items)
	if n := len(h.dc.Messages(alerts)); n != 1 {
		t.Fatalf("%d messages after a restart, want 1", n)
	}

	// A second process on the same database: both poll at once (the feed
	// lease gives the feed to one) and both are handed the items (as if
	// a lease lapsed mid-poll): one alert.
	logger := newLogger(h.cfg, h.logs)
	app2, err := openApp(ctx, h.cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer app2.Close()
	poster2 := bot.NewDigestPoster(h.dc.NewSession(t), logger)
	dg2 := app2.newDigests(poster2, nil)
	dg2.alerts = app2.newWatchAlerts(poster2)
	h.site.serve("/watch-a.xml", "application/rss+xml", watchFeed(h, "Outlet A",
		[2]string{"Zorvex router backdoor found by Initech", "/zorvex-1"},
		[2]string{"Acme Gateway flaw CVE-2026-12345 exploited in the wild", "/advisory"}))
	zorvex := func() []fakediscord.Message {
		var out []fakediscord.Message
		for _, m := range h.dc.Messages(general)[before:] {
			if strings.Contains(m.Content, "Zorvex") {
				out = append(out, m)
			}
		}
		return out
	}
	h.setPolled(time.Now().Add(-time.Minute), feedA)
	var wg sync.WaitGroup
	for _, p := range []*digests{h.dg, dg2} {
		wg.Go(func() {
			if _, err := p.poller.PollDue(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// One of them (or the bot's own poller) polled the feed.
	h.wait("the Zorvex alert", func() bool { return len(zorvex()) > 0 })
	items, err = h.app.store.FeedItems(ctx, feedA)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*digests{h.dg, dg2} {
		wg.Go(func() { p.alerts.OnNewItems(ctx, feedA, items) })
	}
	wg.Wait()
	if got := zorvex(); len(got) != 1 {
		t.Fatalf("%d Zorvex alerts from two processes, want 1", len(got))
	} else {
		checkRolePing(t, got[0], "")
	}

	// The cap (2 an hour): the second story alerts, the third is held, and
	// an hour later one batch message carries it.
	h.site.serve("/watch-a.xml", "application/rss+xml", watchFeed(h, "Outlet A",
		[2]string{"Globex sues Zorvex over patents", "/zorvex-2"},
		[2]string{"Zorvex Cloud console outage hits Umbrella", "/zorvex-3"}))
	heldCount := func() int {
		held, err := h.app.store.HeldWatchAlerts(ctx, general)
		if err != nil {
			t.Fatal(err)
		}
		return len(held)
	}
	h.pollUntil("the third Zorvex story held", func() bool { return heldCount() > 0 }, feedA)
	if got, held := len(zorvex()), heldCount(); got != 2 || held != 1 {
		t.Fatalf("%d Zorvex alerts and %d held, want 2 and 1: the third is past the hourly cap", got, held)
	}
	late := h.app.newWatchAlertsAt(bot.NewDigestPoster(h.dc.NewSession(t), logger), func() time.Time { return time.Now().Add(61 * time.Minute) })
	if err := late.FlushBatches(ctx); err != nil {
		t.Fatal(err)
	}
	got = zorvex()
	if len(got) != 3 || len(got[2].Embeds) != 1 || !strings.Contains(got[2].Embeds[0].Description, "Umbrella") {
		t.Fatalf("after the hour: %d Zorvex messages, want the batch as the third", len(got))
	}
	checkRolePing(t, got[2], "")
	if err := late.FlushBatches(ctx); err != nil || len(zorvex()) != 3 {
		t.Errorf("a second flush posted again (%v)", err)
	}
	if n := len(h.dc.Messages(alerts)); n != 1 {
		t.Errorf("%d messages in the Acme watch's channel in the end, want its one alert", n)
	}
	h.checkLogs()
}
