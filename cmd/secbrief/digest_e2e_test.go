package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/config"
	"github.com/secbrief/secbrief/feeds"
	"github.com/secbrief/secbrief/internal/fakediscord"
	"github.com/secbrief/secbrief/storage"
)

// rss renders a feed of items (title, link path) published minutes ago.
func rss(h *harness, title string, items ...[2]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title><link>%s</link>`, title, h.site.URL)
	for i, it := range items {
		pub := time.Now().Add(-time.Duration(10+i) * time.Minute).UTC().Format(time.RFC1123Z)
		fmt.Fprintf(&b, `<item><title>%s</title><link>%s%s</link><guid>%s%s</guid><pubDate>%s</pubDate><description>%s. Full story at the link.</description></item>`,
			it[0], h.site.URL, it[1], h.site.URL, it[1], pub, it[0])
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

// serveFeeds puts two outlets on the site: both carry the Acme story (same
// CVE), one also an unrelated story.
func serveFeeds(h *harness) (string, string) {
	h.site.serve("/feed-a.xml", "application/rss+xml", rss(h, "Outlet A",
		[2]string{"Acme Gateway flaw CVE-2026-12345 exploited in the wild", "/advisory"},
		[2]string{"Widget Corp discloses a data breach affecting customers", "/widget"}))
	h.site.serve("/feed-b.xml", "application/rss+xml", rss(h, "Outlet B",
		[2]string{"Attackers hit CVE-2026-12345 in Acme gateways", "/advisory-copy"}))
	h.site.serve("/widget", "text/html", `<html><head><title>Widget Corp breach</title></head><body><article><h1>Widget Corp breach</h1><p>`+
		strings.Repeat("Widget Corp said attackers accessed a customer database holding names and email addresses. ", 5)+`</p></article></body></html>`)
	return h.site.URL + "/feed-a.xml", h.site.URL + "/feed-b.xml"
}

// admin makes spec an invocation by a member with Manage Server.
func admin(spec fakediscord.InteractionSpec) fakediscord.InteractionSpec {
	spec.Permissions = fakediscord.DefaultMemberPermissions | fakediscord.PermissionManageGuild
	return spec
}

func feedsAdd(u string) fakediscord.InteractionSpec {
	return admin(fakediscord.SlashCommand("feeds", fakediscord.SubcommandOption("add", fakediscord.StringOption("url", u))))
}

func digestCmd(sub string, opts ...fakediscord.Option) fakediscord.InteractionSpec {
	return admin(fakediscord.SlashCommand("digest", fakediscord.SubcommandOption(sub, opts...)))
}

func TestDigestNowPostsOnceOneItemPerStory(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.start()
	feedA, feedB := serveFeeds(h)
	for _, u := range []string{feedA, feedB} {
		got := finalText(h.settled(h.dispatch(feedsAdd(u))))
		if !got.ephemeral || !strings.Contains(got.text, "Added") {
			t.Fatalf("/feeds add %s: %+v", u, got)
		}
	}
	list := finalText(h.settled(h.dispatch(admin(fakediscord.SlashCommand("feeds", fakediscord.SubcommandOption("list"))))))
	if !strings.Contains(list.text, "Outlet A") || !strings.Contains(list.text, "Outlet B") {
		t.Fatalf("/feeds list: %q", list.text)
	}

	channel := h.dc.ChannelID()
	before := len(h.dc.Messages(channel))
	got := finalText(h.settled(h.dispatch(digestCmd("now"))))
	if !got.ephemeral || !strings.Contains(got.text, "Posted a digest of 2 stories") {
		t.Fatalf("/digest now: %+v", got)
	}
	posted := h.dc.Messages(channel)[before:]
	if len(posted) < 2 {
		t.Fatalf("digest posted %d messages, want a header and the stories", len(posted))
	}
	var embeds []fakediscord.Embed
	for _, m := range posted {
		embeds = append(embeds, m.Embeds...)
	}
	if len(embeds) != 2 {
		t.Fatalf("%d story embeds, want 2 (the Acme story once, Widget once)", len(embeds))
	}
	all, _ := json.Marshal(embeds)
	// One story for the two outlets' Acme items: its embed links the lead
	// and, as "also covered by", the other outlet's article.
	if !strings.Contains(string(all), h.site.URL+"/advisory-copy") || !strings.Contains(string(all), h.site.URL+"/advisory\"") {
		t.Errorf("the Acme story does not link both outlets: %s", all)
	}
	for _, r := range h.dc.Requests() {
		if r.Method == "POST" && r.Path == "/channels/"+channel+"/messages" && (r.Message == nil || !r.Message.EnforceNonce || len(r.Message.Nonce) == 0) {
			t.Errorf("digest message sent without nonce/enforce_nonce: %s", r.Body)
		}
	}
	h.wait("digest thread", func() bool { return len(h.dc.Threads()) == 1 })
	h.checkNoPings()

	// Nothing new: said so, no LLM call, nothing posted.
	calls := h.llm.Calls()
	got = finalText(h.settled(h.dispatch(digestCmd("now"))))
	if !strings.Contains(got.text, "Nothing new") {
		t.Errorf("second /digest now: %+v", got)
	}
	if h.llm.Calls() != calls || len(h.dc.Messages(channel)) != before+len(posted) {
		t.Errorf("second /digest now called the LLM or posted")
	}

	// A restart reposts nothing either.
	h.stop()
	h.start()
	got = finalText(h.settled(h.dispatch(digestCmd("now"))))
	if !strings.Contains(got.text, "Nothing new") || len(h.dc.Messages(channel)) != before+len(posted) {
		t.Errorf("after restart: %+v", got)
	}
}

func TestDigestAdminCommands(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.start()

	// Members without Manage Server are refused, server-side.
	spec := fakediscord.SlashCommand("digest", fakediscord.SubcommandOption("now"))
	got := finalText(h.settled(h.dispatch(spec)))
	if !got.ephemeral || !strings.Contains(got.text, "Manage Server") {
		t.Fatalf("non-admin /digest now: %+v", got)
	}
	for _, c := range h.dc.Commands(h.dc.GuildID()) {
		if (c.Name == "digest" || c.Name == "feeds") && (c.DefaultMemberPermissions == nil || *c.DefaultMemberPermissions != "32") {
			t.Errorf("/%s default_member_permissions = %v, want 32", c.Name, c.DefaultMemberPermissions)
		}
	}

	// Time zone autocomplete.
	ac := h.dispatch(admin(fakediscord.Autocomplete("digest", fakediscord.SubcommandOption("setup",
		fakediscord.ChannelOption("channel", h.dc.ChannelID()), fakediscord.StringOption("time", "08:30"), fakediscord.FocusedOption("timezone", "Europe/Ber")))))
	st := h.settled(ac)
	if cb, _ := st.FirstAck(); cb.Type != 8 || !strings.Contains(string(cb.Data), "Europe/Berlin") {
		t.Errorf("autocomplete: type %d data %s", cb.Type, cb.Data)
	}

	// Setup validates and schedules.
	got = finalText(h.settled(h.dispatch(digestCmd("setup", fakediscord.ChannelOption("channel", h.dc.ChannelID()),
		fakediscord.StringOption("time", "25:00"), fakediscord.StringOption("timezone", "Europe/Berlin")))))
	if !strings.Contains(got.text, "not a time") {
		t.Errorf("bad time: %+v", got)
	}
	got = finalText(h.settled(h.dispatch(digestCmd("setup", fakediscord.ChannelOption("channel", h.dc.ChannelID()),
		fakediscord.StringOption("time", "08:30"), fakediscord.StringOption("timezone", "Mars/Olympus")))))
	if !strings.Contains(got.text, "not a time zone") {
		t.Errorf("bad zone: %+v", got)
	}
	got = finalText(h.settled(h.dispatch(digestCmd("setup", fakediscord.ChannelOption("channel", h.dc.ChannelID()),
		fakediscord.StringOption("time", "08:30"), fakediscord.StringOption("timezone", "Europe/Berlin")))))
	if !strings.Contains(got.text, "08:30") || !strings.Contains(got.text, "<t:") {
		t.Fatalf("setup: %+v", got)
	}
	scheds, err := h.app.store.DigestSchedules(context.Background(), true)
	if err != nil || len(scheds) != 1 || scheds[0].Timezone != "Europe/Berlin" {
		t.Fatalf("stored schedules %+v, %v", scheds, err)
	}
	got = finalText(h.settled(h.dispatch(digestCmd("status"))))
	if !strings.Contains(got.text, "daily at 08:30") || !strings.Contains(got.text, "next") {
		t.Errorf("status: %q", got.text)
	}
	if msgs := h.dc.Messages(h.dc.ChannelID()); len(msgs) == 0 || !strings.Contains(msgs[len(msgs)-1].Content, "daily security news digest at 08:30") {
		t.Errorf("setup did not announce the digest in its channel")
	}
	got = finalText(h.settled(h.dispatch(digestCmd("setup", fakediscord.ChannelOption("channel", "123456789012345678"),
		fakediscord.StringOption("time", "08:30")))))
	if !strings.Contains(got.text, "can't post in") {
		t.Errorf("setup to a channel the bot cannot post in: %+v", got)
	}
	got = finalText(h.settled(h.dispatch(digestCmd("off"))))
	if !strings.Contains(got.text, "Stopped 1") {
		t.Errorf("off: %q", got.text)
	}

	// A link that is not a feed gets a clear error.
	got = finalText(h.settled(h.dispatch(feedsAdd(h.site.URL + "/empty"))))
	if !got.ephemeral || !strings.Contains(got.text, "feed") {
		t.Errorf("/feeds add of a page without a feed: %+v", got)
	}
	got = finalText(h.settled(h.dispatch(feedsAdd("http://169.254.169.254/feed"))))
	if !strings.Contains(got.text, "private or local address") || strings.Contains(got.text, "169.254") {
		t.Errorf("/feeds add of the metadata address: %+v", got)
	}
	h.checkNoPings()
}

func TestDigestDryRunCLI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	feedA, feedB := serveFeeds(h)
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	dbPath := filepath.Join(t.TempDir(), "db")
	body := fmt.Sprintf("llm:\n  base_url: %s\n  api_key: k-123456\nstorage:\n  path: %s\nfetch:\n  allow_networks: [127.0.0.0/8]\n  allow_ports: %v\nfeeds:\n  defaults: [%s, %s]\nlog:\n  level: error\n",
		h.llm.URL(), dbPath, h.cfg.Fetch.AllowPorts, feedA, feedB)
	if err := os.WriteFile(cfgPath, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "digest", "-config", cfgPath, "-since", "24h", "-dry-run")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "Acme Gateway flaw CVE-2026-12345") || !strings.Contains(out, "authentication bypass") ||
		!strings.Contains(out, "Widget Corp") || !strings.Contains(out, "Also covered by") {
		t.Errorf("dry run digest:\n%s", out)
	}
	// Nothing of the terminal's pseudo guild is left for a bot to poll.
	st, err := storage.Open(context.Background(), dbPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if due, err := st.DueFeeds(context.Background(), time.Now().Add(48*time.Hour)); err != nil || len(due) != 0 {
		t.Errorf("feeds left to poll after a dry run: %v, %v", due, err)
	}
	if code, _, _ := runCLI(t, "", "digest", "-config", cfgPath); code != 2 {
		t.Errorf("digest without -dry-run: exit %d, want 2", code)
	}
}

func TestNewFeedWithOldItemsFloodsNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.start()
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>Archive</title><link>%s</link>`, h.site.URL)
	for i := range 50 {
		pub := time.Now().Add(-72*time.Hour - time.Duration(i)*time.Hour).UTC().Format(time.RFC1123Z)
		fmt.Fprintf(&b, `<item><title>Old story number %d about something</title><link>%s/old/%d</link><pubDate>%s</pubDate><description>Old.</description></item>`, i, h.site.URL, i, pub)
	}
	b.WriteString(`</channel></rss>`)
	h.site.serve("/archive.xml", "application/rss+xml", b.String())
	if got := finalText(h.settled(h.dispatch(feedsAdd(h.site.URL + "/archive.xml")))); !strings.Contains(got.text, "50 items") {
		t.Fatalf("/feeds add: %+v", got)
	}
	got := finalText(h.settled(h.dispatch(digestCmd("now"))))
	if !strings.Contains(got.text, "Nothing new") || h.llm.Calls() != 0 {
		t.Fatalf("a feed of old items flooded the channel: %+v, %d LLM calls", got, h.llm.Calls())
	}
}

func TestFeedsRemoveWithAutocomplete(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.start()
	feedA, _ := serveFeeds(h)
	h.settled(h.dispatch(feedsAdd(feedA)))
	st := h.settled(h.dispatch(admin(fakediscord.Autocomplete("feeds", fakediscord.SubcommandOption("remove", fakediscord.FocusedOption("url", "outlet"))))))
	if cb, _ := st.FirstAck(); cb.Type != 8 || !strings.Contains(string(cb.Data), feedA) {
		t.Fatalf("autocomplete: type %d data %s", cb.Type, cb.Data)
	}
	got := finalText(h.settled(h.dispatch(admin(fakediscord.SlashCommand("feeds", fakediscord.SubcommandOption("remove", fakediscord.StringOption("url", feedA)))))))
	if !strings.Contains(got.text, "Removed") {
		t.Fatalf("remove: %+v", got)
	}
	got = finalText(h.settled(h.dispatch(admin(fakediscord.SlashCommand("feeds", fakediscord.SubcommandOption("remove", fakediscord.StringOption("url", feedA)))))))
	if !got.ephemeral || !strings.Contains(got.text, "not in this server's list") {
		t.Fatalf("second remove: %+v", got)
	}
	got = finalText(h.settled(h.dispatch(admin(fakediscord.SlashCommand("feeds", fakediscord.SubcommandOption("list"))))))
	if !strings.Contains(got.text, "no feeds") {
		t.Fatalf("list after removing the only feed: %+v", got)
	}
}

func TestConfigDigestChannelsAreScheduled(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	other := h.dc.AddChannel(h.dc.GuildID(), "news")
	// No guild_id: the bot asks Discord which guild the channel is in.
	h.cfg.Digest.Channels = []config.DigestChannel{{ChannelID: other.ID, Schedule: "30 7 * * *", Timezone: "America/New_York"}}
	h.start()
	h.wait("config digest scheduled", func() bool { return !h.dg.scheduler.Next(other.ID).IsZero() })
	next := h.dg.scheduler.Next(other.ID).In(mustZone(t, "America/New_York"))
	if next.Hour() != 7 || next.Minute() != 30 {
		t.Errorf("next config digest at %v, want 07:30 New York time", next)
	}
	got := finalText(h.settled(h.dispatch(digestCmd("status"))))
	if !strings.Contains(got.text, "<#"+other.ID+">") || !strings.Contains(got.text, "operator") {
		t.Errorf("status does not show the operator's digest: %q", got.text)
	}
	got = finalText(h.settled(h.dispatch(digestCmd("off"))))
	if !strings.Contains(got.text, "keep running") || h.dg.scheduler.Next(other.ID).IsZero() {
		t.Errorf("off with an operator digest: %q", got.text)
	}
}

func TestFeedDisabledIsAnnouncedOncePerChannel(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.start()
	ctx := context.Background()
	feedA, _ := serveFeeds(h)
	h.settled(h.dispatch(feedsAdd(feedA)))
	h.settled(h.dispatch(digestCmd("setup", fakediscord.ChannelOption("channel", h.dc.ChannelID()), fakediscord.StringOption("time", "08:00"))))
	var notices []string
	notify := func(_ context.Context, channelID, text string) error {
		notices = append(notices, channelID+": "+text)
		return nil
	}
	h.app.announceDisabled(ctx, notify, feedA, fmt.Errorf("poll: %w", &feeds.StatusError{URL: feedA, Code: 500}), h.dg.operatorDigests())
	if len(notices) != 1 || !strings.HasPrefix(notices[0], h.dc.ChannelID()+": ") || !strings.Contains(notices[0], feedA) || !strings.Contains(notices[0], "HTTP 500 Internal Server Error") {
		t.Fatalf("notices %q, want one for the digest channel naming the feed and the error", notices)
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestDefaultFeedsScheduleRestartAndStatus(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	feedA, _ := serveFeeds(h)
	h.cfg.Feeds.Defaults = []string{feedA}
	h.start()
	// A new guild starts with feeds.defaults.
	got := finalText(h.settled(h.dispatch(admin(fakediscord.SlashCommand("feeds", fakediscord.SubcommandOption("list"))))))
	if !strings.Contains(got.text, feedA) {
		t.Fatalf("new guild's feeds: %q, want the default %s", got.text, feedA)
	}
	channel := h.dc.ChannelID()
	h.settled(h.dispatch(digestCmd("setup", fakediscord.ChannelOption("channel", channel), fakediscord.StringOption("time", "06:45"), fakediscord.StringOption("timezone", "Asia/Tokyo"))))
	h.settled(h.dispatch(digestCmd("now")))

	// After a restart the stored schedule is running again.
	h.stop()
	h.start()
	h.wait("stored schedule loaded", func() bool { return !h.dg.scheduler.Next(channel).IsZero() })
	if next := h.dg.scheduler.Next(channel).In(mustZone(t, "Asia/Tokyo")); next.Hour() != 6 || next.Minute() != 45 {
		t.Errorf("next digest at %v, want 06:45 Tokyo time", next)
	}
	got = finalText(h.settled(h.dispatch(digestCmd("status"))))
	for _, want := range []string{"daily at 06:45 (Asia/Tokyo)", "**Last digest** in <#" + channel + ">", "2 stories", "**Feeds**: 1"} {
		if !strings.Contains(got.text, want) {
			t.Errorf("status lacks %q:\n%s", want, got.text)
		}
	}
}

// TestDigestOfRealFeeds serves two real outlets' feeds from the corpus and
// checks that the story both carried (SonicWall SMA 100) is one item of the
// digest, linking both outlets.
func TestDigestOfRealFeeds(t *testing.T) {
	t.Parallel()
	const dir = "../../../shared/corpus/feeds/"
	bc, err1 := os.ReadFile(dir + "bleepingcomputer-2025-07-24.xml")
	sw, err2 := os.ReadFile(dir + "securityweek-2025-07-24.xml")
	if err1 != nil || err2 != nil {
		t.Skip("corpus feeds not available")
	}
	h := newHarness(t)
	h.cfg.Digest.Lookback = config.Duration(5 * 365 * 24 * time.Hour) // the snapshots are from 2025
	h.cfg.Digest.MaxItems = 25
	h.start()
	// The articles' links point at the test site (which answers 404), so
	// the test never reaches the outlets and the teasers are kept.
	local := strings.NewReplacer("https://www.bleepingcomputer.com", h.site.URL, "https://www.securityweek.com", h.site.URL)
	h.site.serve("/bc.xml", "application/rss+xml", local.Replace(string(bc)))
	h.site.serve("/sw.xml", "application/rss+xml", local.Replace(string(sw)))
	for _, u := range []string{h.site.URL + "/bc.xml", h.site.URL + "/sw.xml"} {
		if got := finalText(h.settled(h.dispatch(feedsAdd(u)))); !strings.Contains(got.text, "Added") {
			t.Fatalf("/feeds add %s: %+v", u, got)
		}
	}
	before := len(h.dc.Messages(h.dc.ChannelID()))
	got := finalText(h.settled(h.dispatch(digestCmd("now"))))
	if !strings.Contains(got.text, "Posted a digest of") {
		t.Fatalf("/digest now: %+v", got)
	}
	var sonicwall []fakediscord.Embed
	stories := 0
	for _, m := range h.dc.Messages(h.dc.ChannelID())[before:] {
		for _, e := range m.Embeds {
			stories++
			if strings.Contains(e.Title, "SonicWall") {
				sonicwall = append(sonicwall, e)
			}
		}
	}
	if stories >= 22 {
		t.Errorf("%d stories from 22 items: nothing was merged", stories)
	}
	if len(sonicwall) != 1 {
		t.Fatalf("%d SonicWall items in the digest, want 1 story for both outlets", len(sonicwall))
	}
	body, _ := json.Marshal(sonicwall[0])
	if !strings.Contains(string(body), "/sonicwall-warns-of-critical-rce-flaw") || !strings.Contains(string(body), "/sonicwall-patches-critical-sma-100") {
		t.Errorf("the SonicWall story does not link both outlets: %s", body)
	}
	h.checkNoPings()
}
