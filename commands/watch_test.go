package commands

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/storage"
)

// watchStore is a SQLite store whose posted stories are stories, by
// channel, counting the calls.
type watchStore struct {
	*storage.Store
	mu      sync.Mutex
	stories map[string][]news.PostedStory
	calls   int
}

func (s *watchStore) PostedStories(_ context.Context, channelID string, since time.Time) ([]news.PostedStory, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	var out []news.PostedStory
	for _, p := range s.stories[channelID] {
		if !p.PostedAt.Before(since) {
			out = append(out, p)
		}
	}
	return out, nil
}

// kevCatalog is a KEVCatalog over products, or failing with err.
type kevCatalog struct {
	products []news.KEVProduct
	err      error
}

func (k kevCatalog) KEVProducts(_ context.Context, prefix string, limit int) ([]news.KEVProduct, error) {
	if k.err != nil {
		return nil, k.err
	}
	var out []news.KEVProduct
	key := news.WatchTermKey(prefix)
	for _, p := range k.products {
		if len(out) < limit && (wordPrefix(p.Vendor, key) || wordPrefix(p.Product, key)) {
			out = append(out, p)
		}
	}
	return out, nil
}

type watchEnv struct {
	w     *Watches
	st    *watchStore
	clock *time.Time
}

// newWatchEnv is /watch on a SQLite store, at most maxTerms watches a
// guild, with KEV suggestions from kev.
func newWatchEnv(t *testing.T, maxTerms int, kev KEVCatalog) *watchEnv {
	t.Helper()
	st, err := storage.Open(t.Context(), filepath.Join(t.TempDir(), "watch.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := testNow
	e := &watchEnv{st: &watchStore{Store: st, stories: map[string][]news.PostedStory{}}, clock: &now}
	e.w = NewWatches(e.st, WatchOptions{MaxTermsPerGuild: maxTerms, KEV: kev, Now: func() time.Time { return *e.clock }},
		slog.New(slog.DiscardHandler))
	return e
}

// watchReq is /watch sub with opts from user-1 with Manage Server in
// channel-1 of guild-1; roles are the resolved roles.
func watchReq(sub string, opts map[string]any, roles ...*discordgo.Role) bot.Request {
	req := admin(cmdWatch, sub, opts)
	for _, r := range roles {
		if req.Roles == nil {
			req.Roles = map[string]*discordgo.Role{}
		}
		req.Roles[r.ID] = r
	}
	return req
}

var (
	oncall = &discordgo.Role{ID: "role-1", Name: "oncall", Mentionable: true}
	quiet  = &discordgo.Role{ID: "role-2", Name: "quiet"}
)

func TestWatchRefuses(t *testing.T) {
	e := newWatchEnv(t, 0, nil)
	noPerm := watchReq("list", nil)
	noPerm.Permissions = discordgo.PermissionSendMessages
	dm := watchReq("list", nil)
	dm.GuildID = ""
	for _, tt := range []struct {
		name string
		req  bot.Request
		want string
	}{
		{"direct message", dm, "This command only works in a server."},
		{"no Manage Server", noPerm, "You need the Manage Server permission to change watches."},
		{"no subcommand", watchReq("", nil), "Pick a subcommand."},
		{"unknown subcommand", watchReq("rename", nil), `Unknown subcommand "rename".`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if r := run(t.Context(), e.w.handle, tt.req); !isUserError(r.err, tt.want) {
				t.Errorf("result %+v, want %q", r, tt.want)
			}
		})
	}
}

func TestWatchAdd(t *testing.T) {
	mentionEveryone := func(req bot.Request) bot.Request {
		req.AppPermissions = discordgo.PermissionMentionEveryone | discordgo.PermissionSendMessages
		return req
	}
	administrator := func(req bot.Request) bot.Request {
		req.AppPermissions = discordgo.PermissionAdministrator
		return req
	}
	tests := []struct {
		name    string
		req     bot.Request
		want    string // the whole answer
		userMsg string
		stored  *news.Watch // the watch stored, without id and time
	}{
		{name: "defaults", req: watchReq("add", map[string]any{"term": "  Ivanti   Connect\tSecure "}),
			want:   "Watching `Ivanti Connect Secure` in <#channel-1>: new stories of this server's feeds that mention it; alerts ping no one.",
			stored: &news.Watch{GuildID: "guild-1", ChannelID: "channel-1", Term: "Ivanti Connect Secure", CreatedBy: "user-1"}},
		{name: "every option", req: watchReq("add", map[string]any{"term": "CVE-2025-53770", "channel": "channel-2", "role": "role-1",
			"min_severity": "high", "kev_only": true}, oncall),
			want: "Watching `CVE-2025-53770` in <#channel-2>: new stories of this server's feeds that mention it, stories summarized high or worse, " +
				"naming a CVE known to be exploited (KEV); alerts ping <@&role-1>.",
			stored: &news.Watch{GuildID: "guild-1", ChannelID: "channel-2", Term: "CVE-2025-53770", RoleID: "role-1",
				MinSeverity: news.SeverityHigh, KEVOnly: true, CreatedBy: "user-1"}},
		{name: "unmentionable role, bot may mention everyone", req: mentionEveryone(watchReq("add", map[string]any{"term": "SAP", "role": "role-2"}, quiet)),
			want:   "Watching `SAP` in <#channel-1>: new stories of this server's feeds that mention it; alerts ping <@&role-2>.",
			stored: &news.Watch{GuildID: "guild-1", ChannelID: "channel-1", Term: "SAP", RoleID: "role-2", CreatedBy: "user-1"}},
		{name: "unmentionable role, bot is administrator", req: administrator(watchReq("add", map[string]any{"term": "Citrix", "role": "role-2"}, quiet)),
			want:   "Watching `Citrix` in <#channel-1>: new stories of this server's feeds that mention it; alerts ping <@&role-2>.",
			stored: &news.Watch{GuildID: "guild-1", ChannelID: "channel-1", Term: "Citrix", RoleID: "role-2", CreatedBy: "user-1"}},
		{name: "markdown in a term stays text", req: watchReq("add", map[string]any{"term": "**bold** `x` <@&1>"}),
			want:   "Watching `**bold** ʹxʹ <@&1>` in <#channel-1>: new stories of this server's feeds that mention it; alerts ping no one.",
			stored: &news.Watch{GuildID: "guild-1", ChannelID: "channel-1", Term: "**bold** `x` <@&1>", CreatedBy: "user-1"}},

		{name: "term too short", req: watchReq("add", map[string]any{"term": " a  "}), userMsg: "A term is 2 to 100 characters long; this one has 1."},
		{name: "no term", req: watchReq("add", nil), userMsg: "A term is 2 to 100 characters long; this one has 0."},
		{name: "term too long", req: watchReq("add", map[string]any{"term": strings.Repeat("é", 101)}),
			userMsg: "A term is 2 to 100 characters long; this one has 101."},
		{name: "no letter or digit", req: watchReq("add", map[string]any{"term": "-- ++"}), userMsg: "A term needs at least one letter or digit."},
		{name: "invisible characters", req: watchReq("add", map[string]any{"term": "Ivan\u200bti"}),
			userMsg: "A term can't contain invisible or control characters."},
		{name: "@everyone", req: watchReq("add", map[string]any{"term": "SAP", "role": "guild-1"}, &discordgo.Role{ID: "guild-1", Name: "@everyone", Mentionable: true}),
			userMsg: "Alerts never ping @everyone: pick a role to ping, or none for alerts that ping no one."},
		{name: "unmentionable role", req: watchReq("add", map[string]any{"term": "SAP", "role": "role-2"}, quiet),
			userMsg: "I can't ping <@&role-2>: the role isn't mentionable and I don't have the Mention Everyone permission. " +
				"Allow anyone to mention the role (Server Settings → Roles) or give me that permission, then add the watch again."},
		{name: "role not resolved", req: watchReq("add", map[string]any{"term": "SAP", "role": "role-9"}),
			userMsg: "I couldn't see that role; try again, or pick another."},
		{name: "unknown severity", req: watchReq("add", map[string]any{"term": "SAP", "min_severity": "severe"}),
			userMsg: `"severe" is not a severity: pick critical, high, medium or low.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newWatchEnv(t, 0, nil)
			r := run(t.Context(), e.w.handle, tt.req)
			ws, err := e.st.GuildWatches(t.Context(), "guild-1")
			if err != nil {
				t.Fatal(err)
			}
			if tt.userMsg != "" {
				if !isUserError(r.err, tt.userMsg) || len(ws) != 0 {
					t.Fatalf("result %+v, stored %+v; want %q and nothing stored", r, ws, tt.userMsg)
				}
				return
			}
			if r.err != nil || !r.resp.Private || r.resp.Content != tt.want {
				t.Fatalf("result %+v\nwant private %q", r, tt.want)
			}
			if len(ws) != 1 {
				t.Fatalf("stored %+v", ws)
			}
			got := ws[0]
			got.ID, got.CreatedAt = 0, time.Time{}
			if got != *tt.stored {
				t.Errorf("stored %+v, want %+v", got, *tt.stored)
			}
		})
	}
}

// TestWatchAddLimits: a channel watches a term once; a guild has at most
// the configured number of watches, the default 100 unless configured.
func TestWatchAddLimits(t *testing.T) {
	e := newWatchEnv(t, 2, nil)
	ctx := t.Context()
	for _, term := range []string{"SAP", "Fortinet"} {
		if r := run(ctx, e.w.handle, watchReq("add", map[string]any{"term": term})); r.err != nil {
			t.Fatal(r.err)
		}
	}
	if r := run(ctx, e.w.handle, watchReq("add", map[string]any{"term": "sap"})); !isUserError(r.err, "<#channel-1> already watches `sap`.") {
		t.Errorf("duplicate: %+v", r)
	}
	if r := run(ctx, e.w.handle, watchReq("add", map[string]any{"term": "Cisco"})); !isUserError(r.err,
		"This server already has 2 watches, the most it may have: remove one with `/watch remove` first.") {
		t.Errorf("over the limit: %+v", r)
	}
	if got := NewWatches(e.st, WatchOptions{}, slog.New(slog.DiscardHandler)).opts.MaxTermsPerGuild; got != 100 {
		t.Errorf("default limit %d, want 100", got)
	}
}

func TestWatchListAndRemove(t *testing.T) {
	e := newWatchEnv(t, 0, nil)
	ctx := t.Context()
	if r := run(ctx, e.w.handle, watchReq("list", nil)); r.err != nil || r.resp.Content != "This server watches no terms. Add one with `/watch add term:`." {
		t.Errorf("empty list: %+v", r)
	}
	for _, opts := range []map[string]any{
		{"term": "SAP"},
		{"term": "sap", "channel": "channel-2", "role": "role-1", "min_severity": "critical", "kev_only": true},
		{"term": "Fortinet"},
	} {
		if r := run(ctx, e.w.handle, watchReq("add", opts, oncall)); r.err != nil {
			t.Fatal(r.err)
		}
	}
	other := watchReq("add", map[string]any{"term": "Juniper"})
	other.GuildID = "guild-2"
	if r := run(ctx, e.w.handle, other); r.err != nil {
		t.Fatal(r.err)
	}
	want := "**3 of 100 watches**\n- `Fortinet` in <#channel-1>\n- `SAP` in <#channel-1>\n" +
		"- `sap` in <#channel-2> · pings <@&role-1> · critical or worse · KEV only\n"
	if r := run(ctx, e.w.handle, watchReq("list", nil)); r.err != nil || !r.resp.Private || r.resp.Content != want {
		t.Errorf("list %+v\nwant %q", r, want)
	}
	if r := run(ctx, e.w.handle, watchReq("remove", map[string]any{"term": " Sap "})); r.err != nil || r.resp.Content != "Stopped watching `Sap` (2 channels)." {
		t.Errorf("remove: %+v", r)
	}
	if r := run(ctx, e.w.handle, watchReq("remove", map[string]any{"term": "Juniper"})); !isUserError(r.err,
		"This server doesn't watch `Juniper`; `/watch list` shows what it watches.") {
		t.Errorf("remove another guild's term: %+v", r)
	}
	if r := run(ctx, e.w.handle, watchReq("remove", map[string]any{"term": "fortinet"})); r.err != nil || r.resp.Content != "Stopped watching `fortinet` (1 channel)." {
		t.Errorf("remove: %+v", r)
	}
	if ws, _ := e.st.GuildWatches(ctx, "guild-1"); len(ws) != 0 {
		t.Errorf("left %+v", ws)
	}
	if ws, _ := e.st.GuildWatches(ctx, "guild-2"); len(ws) != 1 {
		t.Errorf("guild-2's watch: %+v", ws)
	}
}

func TestWatchAutocomplete(t *testing.T) {
	kev := kevCatalog{products: []news.KEVProduct{{Vendor: "Ivanti", Product: "Connect Secure"}, {Vendor: "Microsoft", Product: "SharePoint"},
		{Vendor: "Ivanti", Product: "Endpoint Manager Mobile (EPMM)"}}}
	e := newWatchEnv(t, 0, kev)
	ctx := t.Context()
	if err := e.st.PutDigestSchedule(ctx, news.DigestSchedule{GuildID: "guild-1", ChannelID: "digest-1", Time: "08:00", Timezone: "UTC", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	e.st.stories["digest-1"] = []news.PostedStory{
		{PostedAt: testNow.Add(-30 * 24 * time.Hour), Story: news.Story{Summary: &news.Summary{Affected: []string{"Ivanti Old Product"}}}},
		{PostedAt: testNow.Add(-48 * time.Hour), Story: news.Story{CVEs: []string{"CVE-2025-0282"},
			Summary: &news.Summary{Affected: []string{"Ivanti Connect Secure 22.7", "Palo Alto PAN-OS"}}}},
		{PostedAt: testNow.Add(-time.Hour), Story: news.Story{Summary: &news.Summary{Affected: []string{"ivanti connect  secure 22.7", "x"}}}},
	}
	typed := func(sub, value string) bot.Request {
		req := watchReq(sub, map[string]any{"term": value})
		req.Focused = "term"
		return req
	}
	values := func(req bot.Request) []string {
		t.Helper()
		cs, err := e.w.autocomplete(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range cs {
			out = append(out, c.Name+"="+c.Value.(string))
		}
		return out
	}
	for _, tt := range []struct {
		name string
		req  bot.Request
		want []string
	}{
		{"recent stories first, then KEV, each name once", typed("add", "ivanti c"), []string{
			"ivanti connect secure 22.7=ivanti connect secure 22.7", "Ivanti Connect Secure=Ivanti Connect Secure"}},
		{"a word inside a name", typed("add", "conn"), []string{"ivanti connect secure 22.7=ivanti connect secure 22.7",
			"Connect Secure=Connect Secure", "Ivanti Connect Secure=Ivanti Connect Secure"}},
		{"a word of a name", typed("add", "pan"), []string{"Palo Alto PAN-OS=Palo Alto PAN-OS"}},
		{"CVE ids of recent stories", typed("add", "cve-2025"), []string{"CVE-2025-0282=CVE-2025-0282"}},
		{"KEV vendor", typed("add", "micro"), []string{"Microsoft=Microsoft", "Microsoft SharePoint=Microsoft SharePoint"}},
		{"no permission, no suggestion", func() bot.Request { r := typed("add", "iv"); r.Permissions = 0; return r }(), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := values(tt.req); strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("choices %q\nwant %q", got, tt.want)
			}
		})
	}

	// Recent stories are read once per TTL, not on every key stroke.
	calls := e.st.calls
	values(typed("add", "i"))
	if e.st.calls != calls {
		t.Errorf("stories read again within the TTL")
	}
	*e.clock = e.clock.Add(storyNamesTTL)
	values(typed("add", "i"))
	if e.st.calls != calls+1 {
		t.Errorf("stories not read again after the TTL: %d calls, want %d", e.st.calls, calls+1)
	}

	// A failing KEV catalog leaves the story names.
	failing := NewWatches(e.st, WatchOptions{KEV: kevCatalog{err: errors.New("down")}, Now: func() time.Time { return testNow }}, slog.New(slog.DiscardHandler))
	if cs, err := failing.autocomplete(ctx, typed("add", "palo")); err != nil || len(cs) != 1 {
		t.Errorf("with KEV down: %+v, %v", cs, err)
	}

	// remove: the guild's terms, with how many channels watch them.
	for _, opts := range []map[string]any{{"term": "SAP"}, {"term": "sap", "channel": "channel-2"}, {"term": "Fortinet"}} {
		if r := run(ctx, e.w.handle, watchReq("add", opts)); r.err != nil {
			t.Fatal(r.err)
		}
	}
	if got, want := values(typed("remove", "")), []string{"Fortinet=Fortinet", "SAP (2 channels)=SAP"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("remove choices %q, want %q", got, want)
	}
	if got := values(typed("remove", "for")); len(got) != 1 || got[0] != "Fortinet=Fortinet" {
		t.Errorf("remove choices for 'for': %q", got)
	}
}

// TestWatchEntry: /watch is private, may defer, completes its terms and
// is for Manage Server by default, in servers only.
func TestWatchEntry(t *testing.T) {
	e := newWatchEnv(t, 0, nil)
	cmds := e.w.Commands()
	c := entry(t, cmds, cmdWatch)
	if !c.MayDefer || c.Private == nil || !c.Private(bot.Request{}) || c.Autocomplete == nil || c.Handle == nil {
		t.Errorf("/watch entry %+v", c)
	}
	def := c.Definition
	if p := def.DefaultMemberPermissions; p == nil || *p != manageGuild {
		t.Errorf("default permissions %v", p)
	}
	if def.Contexts == nil || len(*def.Contexts) != 1 || (*def.Contexts)[0] != discordgo.InteractionContextGuild {
		t.Errorf("contexts %v", def.Contexts)
	}
	var subs []string
	for _, o := range def.Options {
		subs = append(subs, o.Name)
	}
	if strings.Join(subs, " ") != "add list remove" {
		t.Errorf("subcommands %q", subs)
	}
	add := def.Options[0]
	if add.Options[0].Name != "term" || !add.Options[0].Autocomplete || add.Options[0].MaxLength != 100 || *add.Options[0].MinLength != 2 {
		t.Errorf("add's term option %+v", add.Options[0])
	}
}
