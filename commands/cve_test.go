package commands

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/render"
)

const lookedUp = "CVE-2026-12345"

// freshSources are the intel sources refreshed a few minutes before
// testNow.
func freshSources() []news.SourceStatus {
	at := testNow.Add(-10 * time.Minute)
	return []news.SourceStatus{
		{Source: news.IntelKEV, CheckedAt: at, RefreshedAt: at, DataDate: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Version: "2026.03.02"},
		{Source: news.IntelEPSS, CheckedAt: at, RefreshedAt: at, DataDate: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{Source: news.IntelCVE, CheckedAt: at, RefreshedAt: at},
		{Source: news.IntelNVD},
	}
}

// fullIntel knows everything of lookedUp, its record's text hostile.
func fullIntel() *fakeIntel {
	f := advisoryIntel()
	in := f.known[lookedUp]
	in.ID = lookedUp
	in.KEV.VendorProject, in.KEV.Product = "Acme", "Gateway"
	in.KEV.VulnerabilityName = "Acme Gateway Authentication Bypass"
	in.KEV.RequiredAction = "Apply mitigations per vendor instructions or discontinue use of the product."
	in.EPSS.ScoreDate, in.EPSS.ModelVersion = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), "v2025.03.14"
	in.CVSS.Vector, in.CVSS.Source = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", news.SourceCNA
	in.Record = &news.CVERecord{ID: lookedUp, Found: true, Title: "Acme Gateway auth bypass @everyone",
		Description: "An authentication bypass <@123456789012345678> lets attackers in. [Patch now](https://evil.example/x) https://evil.example/y",
		AdvisoryURL: "https://acme.example/advisories/2026-01", Source: news.SourceCNA, FetchedAt: testNow.Add(-time.Hour), CVSS: in.CVSS}
	f.known[lookedUp] = in
	f.status = freshSources()
	return f
}

// cveAnswer runs /cve id: in channel-1 of guild-1 and checks that the
// answer is one embed that holds Discord's limits and pings no one.
func cveAnswer(t *testing.T, e *env, id string, private bool) *discordgo.MessageEmbed {
	t.Helper()
	req := inGuild(cmdCVE, map[string]any{"id": id, "private": private})
	r := run(t.Context(), entry(t, e.t.Commands(), cmdCVE).Handle, req)
	if r.err != nil {
		t.Fatalf("/cve %s: %v", id, r.err)
	}
	if r.deferred || r.resp.Private != private || len(r.resp.Embeds) != 1 || r.resp.Content != "" {
		t.Fatalf("/cve %s answered %+v (deferred %v), want one embed, private %v", id, r.resp, r.deferred, private)
	}
	msg := &discordgo.MessageSend{Embeds: r.resp.Embeds, AllowedMentions: render.NoMentions()}
	if err := render.CheckLimits(msg); err != nil {
		t.Error(err)
	}
	if err := render.CheckSafe(msg); err != nil {
		t.Error(err)
	}
	return r.resp.Embeds[0]
}

// embedText is all the text of e, for "contains" checks.
func embedText(e *discordgo.MessageEmbed) string {
	parts := []string{e.Title, e.Description}
	for _, f := range e.Fields {
		parts = append(parts, f.Name+": "+f.Value)
	}
	if e.Footer != nil {
		parts = append(parts, e.Footer.Text)
	}
	return strings.Join(parts, "\n")
}

func TestCVELookup(t *testing.T) {
	stale := fullIntel()
	stale.status[0].RefreshedAt = testNow.Add(-5 * time.Hour)
	stale.status[0].ErrorKind, stale.status[0].ErrorAt = news.IntelErrNetwork, testNow.Add(-5*time.Minute)
	unknownFailing := &fakeIntel{status: freshSources()}
	unknownFailing.status[2].ErrorKind, unknownFailing.status[2].ErrorAt = news.IntelErrHTTP, testNow.Add(-2*time.Minute)
	neverLoaded := &fakeIntel{status: []news.SourceStatus{{Source: news.IntelKEV}, {Source: news.IntelEPSS}, {Source: news.IntelCVE}, {Source: news.IntelNVD}}}
	missing := &fakeIntel{status: freshSources(), known: map[string]news.CVEIntel{lookedUp: {Record: &news.CVERecord{ID: lookedUp, FetchedAt: testNow}}}}

	tests := []struct {
		name       string
		intel      *fakeIntel // nil: intel off
		id         string
		title      string
		color      int
		want       []string // in the embed's text
		notWant    []string
		wantFooter string // "" for no footer
	}{
		{name: "everything known", intel: fullIntel(), id: lookedUp,
			title: "CVE-2026-12345 — Acme Gateway auth bypass @\u200beveryone", color: render.ColorCritical,
			want: []string{
				"CVE-2026-12345 · CVSS 9.8 critical · KEV since 2026-02-27 (due 2026-03-20, ransomware) · EPSS 94% (top 0.2%)",
				"An authentication bypass <@\u200b123456789012345678> lets attackers in. Patch now " + render.LinkRemoved,
				"CVSS: **9.8 critical** (CVSS 3.1, from the CNA)\n`CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H`",
				"**Known exploited**, in the catalog since 2026-02-27\nDue 2026-03-20 (US federal agencies)\n**Known use in ransomware campaigns**",
				"Acme Gateway: Acme Gateway Authentication Bypass\nRequired action: Apply mitigations",
				"EPSS: **94%** chance of exploitation activity in the next 30 days\nPercentile 99.8 (top 0.2%)\nScores of 2026-03-01 (model v2025.03.14)",
				"Links: Vendor advisory: https://acme.example/advisories/2026-01\nNVD: https://nvd.nist.gov/vuln/detail/CVE-2026-12345",
			},
			notWant:    []string{"evil.example", "try again"},
			wantFooter: "Record from the CNA, fetched 2026-03-02"},
		{name: "any case, spaces and dashes", intel: fullIntel(), id: "  cve\u20112026\u201312345 ",
			title: "CVE-2026-12345 — Acme Gateway auth bypass @\u200beveryone", color: render.ColorCritical,
			wantFooter: "Record from the CNA, fetched 2026-03-02"},
		{name: "stale and failing KEV", intel: stale, id: lookedUp,
			title: "CVE-2026-12345 — Acme Gateway auth bypass @\u200beveryone", color: render.ColorCritical,
			wantFooter: "Record from the CNA, fetched 2026-03-02 · KEV data from 2026-03-02 (5 h old; refresh failing)"},
		{name: "unknown CVE", intel: &fakeIntel{status: freshSources()}, id: "CVE-2026-99999",
			title: "CVE-2026-99999", color: render.ColorInfo,
			want: []string{
				"CVE-2026-99999\n\nThe CVE record is being looked up — try again in a minute.",
				"CVSS: Not looked up yet — try again in a minute.",
				"CISA KEV: Not in CISA's catalog of known exploited vulnerabilities.",
				"EPSS: No score.",
				"Links: NVD: https://nvd.nist.gov/vuln/detail/CVE-2026-99999",
			}},
		{name: "unknown CVE, record source failing", intel: unknownFailing, id: "CVE-2026-99999",
			title: "CVE-2026-99999", color: render.ColorInfo,
			wantFooter: "CVE record lookups failing (last failure 2 min ago)"},
		{name: "no record exists", intel: missing, id: lookedUp, title: lookedUp, color: render.ColorInfo,
			want:       []string{"No CVE record was found", "CVSS: None: no CVE record was found."},
			notWant:    []string{"try again"},
			wantFooter: "Looked up 2026-03-02"},
		{name: "sources never loaded", intel: neverLoaded, id: lookedUp, title: lookedUp, color: render.ColorInfo,
			want:       []string{"CISA KEV: The catalog has not been loaded yet.", "EPSS: The scores have not been loaded yet."},
			wantFooter: "KEV data not loaded yet · EPSS data not loaded yet"},
		{name: "intel off", id: lookedUp, title: lookedUp, color: render.ColorInfo,
			want:    []string{"Vulnerability data (CVSS, CISA KEV, EPSS) is turned off on this bot.", "NVD: https://nvd.nist.gov/vuln/detail/CVE-2026-12345"},
			notWant: []string{"CVSS:", "EPSS:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{}
			if tt.intel != nil {
				opts.Intel = tt.intel
			}
			e := newEnv(t, opts)
			emb := cveAnswer(t, e, tt.id, false)
			text := embedText(emb)
			if emb.Title != tt.title || emb.Color != tt.color || emb.URL != render.NVDURL(strings.Fields(tt.title)[0]) {
				t.Errorf("title %q colour %#x url %q, want %q %#x", emb.Title, emb.Color, emb.URL, tt.title, tt.color)
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("missing %q in\n%s", w, text)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(text, w) {
					t.Errorf("%q shown in\n%s", w, text)
				}
			}
			gotFooter := ""
			if emb.Footer != nil {
				gotFooter = emb.Footer.Text
			}
			if gotFooter != tt.wantFooter {
				t.Errorf("footer %q, want %q", gotFooter, tt.wantFooter)
			}
		})
	}
}

func TestCVELookupRefusesBadIDs(t *testing.T) {
	intel := fullIntel()
	e := newEnv(t, Options{Intel: intel})
	for _, id := range []string{"", "CVE-26-1234", "CVE-2026-123", "2026-12345", "CVE-2026-12345 and more", "<@123456789012345678>", "GHSA-xxxx-yyyy-zzzz"} {
		r := run(t.Context(), e.t.cve, inGuild(cmdCVE, map[string]any{"id": id}))
		if !isUserError(r.err, msgBadCVE) || !e.t.Refused(r.err) {
			t.Errorf("/cve %q = %+v, %v; want the refusal %q", id, r.resp, r.err, msgBadCVE)
		}
	}
	if len(intel.asked) != 0 {
		t.Errorf("bad ids reached intel: asked %v", intel.asked)
	}
}

// TestCVELookupListsPostedStories: the stories posted in this server that
// name the CVE, newest first, one line per story with the message's link
// and the article's (only the link for other channels than the one asked
// in), those of other servers and CVEs left out.
func TestCVELookupListsPostedStories(t *testing.T) {
	e := newEnv(t, Options{Intel: fullIntel()})
	day := func(d int) time.Time { return time.Date(2026, 2, d, 8, 0, 0, 0, time.UTC) }
	ps := []news.PostedCVE{
		{GuildID: "guild-1", ChannelID: "channel-1", MessageID: "111", CVE: lookedUp, Title: "Acme patches gateway", URL: "https://news.example/acme", PostedAt: day(10)},
		{GuildID: "guild-1", ChannelID: "channel-2", MessageID: "222", CVE: lookedUp, Title: "Digest: Acme exploited <@1>", URL: "https://feed.example/acme", PostedAt: day(12)},
		// The same article summarized again later: shown once, newest message.
		{GuildID: "guild-1", ChannelID: "channel-1", MessageID: "333", CVE: lookedUp, Title: "Acme patches gateway", URL: "https://news.example/acme", PostedAt: day(14)},
		{GuildID: "guild-1", ChannelID: "channel-1", MessageID: "444", CVE: lookedUp, Title: "Pasted text", PostedAt: day(11)},
		{GuildID: "guild-2", ChannelID: "channel-9", MessageID: "999", CVE: lookedUp, Title: "Other server", PostedAt: day(15)},
		{GuildID: "guild-1", ChannelID: "channel-1", MessageID: "555", CVE: "CVE-2026-11111", Title: "Other CVE", PostedAt: day(15)},
	}
	if err := e.st.RecordPostedCVEs(t.Context(), ps); err != nil {
		t.Fatal(err)
	}
	got := field(cveAnswer(t, e, lookedUp, false).Fields, "Posted here")
	want := strings.Join([]string{
		"• Acme patches gateway (2026-02-14): https://discord.com/channels/guild-1/channel-1/333 · article: https://news.example/acme",
		// Posted in a channel the reader may not see: no title, no article.
		"• A story in another channel (2026-02-12): https://discord.com/channels/guild-1/channel-2/222",
		"• Pasted text (2026-02-11): https://discord.com/channels/guild-1/channel-1/444",
	}, "\n")
	if got != want {
		t.Errorf("Posted here:\n%s\nwant\n%s", got, want)
	}

	// Without a server (a direct message), nothing is listed.
	req := bot.Request{Name: cmdCVE, Options: map[string]any{"id": lookedUp}, UserID: "user-1", ChannelID: "dm"}
	r := run(t.Context(), e.t.cve, req)
	if r.err != nil || field(r.resp.Embeds[0].Fields, "Posted here") != "" {
		t.Errorf("in a DM: %+v, %v", r.resp, r.err)
	}
}

// TestCVELookupLimits: the longest texts the sources can give still make
// one embed within Discord's limits, pinging no one.
func TestCVELookupLimits(t *testing.T) {
	intel := fullIntel()
	in := intel.known[lookedUp]
	long := func(word string, n int) string { return strings.TrimSpace(strings.Repeat(word+" ", n)) }
	in.Record.Description = long("@everyone overflow <@&42> text", 200) // over 4000 runes
	in.Record.Title = long("titleword", 100)
	in.Record.AdvisoryURL = "https://acme.example/" + strings.Repeat("a", 3000)
	in.KEV.VulnerabilityName, in.KEV.RequiredAction, in.KEV.VendorProject = long("name", 500), long("act", 500), long("vendor", 100)
	in.CVSS.Vector = long("`vector`", 200)
	intel.known[lookedUp] = in
	intel.status[0].ErrorKind = news.IntelErrFormat
	e := newEnv(t, Options{Intel: intel})
	var ps []news.PostedCVE
	for i := range 30 {
		ps = append(ps, news.PostedCVE{GuildID: "guild-1", ChannelID: "channel-1", MessageID: fmt.Sprint(1000 + i), CVE: lookedUp,
			Title: long("Headline", 60) + fmt.Sprint(i), URL: fmt.Sprintf("https://news.example/%d/%s", i, strings.Repeat("p", 150)),
			PostedAt: testNow.Add(-time.Duration(i) * time.Hour)})
	}
	if err := e.st.RecordPostedCVEs(t.Context(), ps); err != nil {
		t.Fatal(err)
	}
	for _, private := range []bool{false, true} {
		emb := cveAnswer(t, e, lookedUp, private) // checks limits and safety
		if runes := len([]rune(emb.Description)); runes < 2000 {
			t.Errorf("description cut to %d runes: too much lost", runes)
		}
		if n := strings.Count(field(emb.Fields, "Posted here"), "https://discord.com/channels/"); n == 0 || n > postedShown {
			t.Errorf("%d posted stories listed, want 1 to %d", n, postedShown)
		}
		if strings.Contains(field(emb.Fields, "Links"), "Vendor advisory") {
			t.Error("an advisory link too long for a line was shown (cut, it would lead nowhere)")
		}
	}
}

// TestSummaryRecordsPostedCVEs: a public summary in a server records its
// message under the CVEs it names once delivered; a private one, or one
// in a DM, records nothing.
func TestSummaryRecordsPostedCVEs(t *testing.T) {
	e := newEnv(t, Options{})
	summaryNaming(e)
	public := inGuild(cmdSummarize, map[string]any{"url": advisoryLink})
	r := run(t.Context(), e.t.summarize, public)
	if r.err != nil || r.resp.Delivered == nil {
		t.Fatalf("public summary: %v, Delivered set %v", r.err, r.resp.Delivered != nil)
	}
	// Delivered runs after the answer; the interaction's context may end.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	r.resp.Delivered(ctx, "msg-1")
	got, err := e.st.PostedCVEs(t.Context(), "guild-1", lookedUp, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := news.PostedCVE{GuildID: "guild-1", ChannelID: "channel-1", MessageID: "msg-1", CVE: lookedUp,
		Title: "Fake summary", URL: advisoryLink, PostedAt: testNow}
	if len(got) != 1 || got[0] != want {
		t.Errorf("recorded %+v, want [%+v]", got, want)
	}

	// The cached answer of the same link, posted again, records again.
	r = run(t.Context(), e.t.summarize, public)
	if r.err != nil || r.resp.Delivered == nil {
		t.Fatalf("cached summary: %v, Delivered set %v", r.err, r.resp.Delivered != nil)
	}
	r.resp.Delivered(t.Context(), "msg-2")
	if got, _ := e.st.PostedCVEs(t.Context(), "guild-1", lookedUp, 0); len(got) != 2 {
		t.Errorf("after a second post: %+v", got)
	}

	private := inGuild(cmdSummarize, map[string]any{"url": advisoryLink, "private": true})
	if r := run(t.Context(), e.t.summarize, private); r.err != nil || r.resp.Delivered != nil {
		t.Errorf("private summary: %v, Delivered set %v", r.err, r.resp.Delivered != nil)
	}
	dm := bot.Request{Name: cmdSummarize, Options: map[string]any{"url": advisoryLink}, UserID: "user-1", ChannelID: "dm"}
	if r := run(t.Context(), e.t.summarize, dm); r.err != nil || r.resp.Delivered != nil {
		t.Errorf("summary in a DM: %v, Delivered set %v", r.err, r.resp.Delivered != nil)
	}
}
