package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/robfig/cron/v3"

	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/feeds"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/storage"
)

// digestRunner is a DigestRunner that answers with res and err.
type digestRunner struct {
	res    news.DigestResult
	err    error
	target news.DigestTarget
}

func (r *digestRunner) Now(_ context.Context, t news.DigestTarget) (news.DigestResult, error) {
	r.target = t
	return r.res, r.err
}

// scheduler is a Scheduler of digests by channel.
type scheduler struct {
	mu  sync.Mutex
	set map[string]cron.Schedule
}

func (s *scheduler) Set(t news.DigestTarget, sc cron.Schedule) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.set[t.ChannelID] = sc
	return true
}

func (s *scheduler) Remove(channelID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.set, channelID)
}

func (s *scheduler) Next(channelID string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sc, ok := s.set[channelID]; ok {
		return sc.Next(testNow)
	}
	return time.Time{}
}

// notifier records notices, or fails with err.
type notifier struct {
	err     error
	notices []string
}

func (n *notifier) Notify(_ context.Context, channelID, text string) error {
	if n.err != nil {
		return n.err
	}
	n.notices = append(n.notices, channelID+": "+text)
	return nil
}

// adminEnv is the admin commands on a SQLite store with fakes for the rest.
type adminEnv struct {
	a      *Admin
	st     *storage.Store
	runner *digestRunner
	sched  *scheduler
	notify *notifier
}

const feedURL = "https://example.com/feed.xml"

func newAdminEnv(t *testing.T) *adminEnv {
	t.Helper()
	st, err := storage.Open(t.Context(), filepath.Join(t.TempDir(), "admin.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &adminEnv{st: st, runner: &digestRunner{}, sched: &scheduler{set: map[string]cron.Schedule{}}, notify: &notifier{}}
	discover := func(_ context.Context, raw string) (string, news.Feed, []news.Item, error) {
		if raw != feedURL {
			return "", news.Feed{}, nil, feeds.ErrNoFeed
		}
		return feedURL, news.Feed{Title: "Acme **News** @everyone"}, []news.Item{{FeedURL: feedURL, ID: "1", Title: "One", Link: "https://example.com/1"}}, nil
	}
	operator := func() []OperatorDigest {
		return []OperatorDigest{{GuildID: "guild-1", ChannelID: "channel-op", Schedule: "0 9 * * *", Timezone: "Europe/Berlin"}}
	}
	e.a = NewAdmin(st, e.runner, e.sched, discover, e.notify, AdminOptions{DefaultFeeds: []string{"https://example.com/default.xml"}, OperatorDigests: operator},
		slog.New(slog.DiscardHandler))
	return e
}

// admin is /name sub with options, from user-1 with Manage Server.
func admin(name, sub string, opts map[string]any) bot.Request {
	req := inGuild(name, opts)
	req.Subcommand = sub
	return req
}

// TestAdminRefuses: the admin commands only run in a server, for members
// who may manage it, with a subcommand, before anything is deferred.
func TestAdminRefuses(t *testing.T) {
	e := newAdminEnv(t)
	noPerm := admin(cmdFeeds, "list", nil)
	noPerm.Permissions = discordgo.PermissionSendMessages
	dm := admin(cmdFeeds, "list", nil)
	dm.GuildID = ""
	tests := []struct {
		name string
		req  bot.Request
		want string
	}{
		{"direct message", dm, "This command only works in a server."},
		{"no Manage Server", noPerm, "You need the Manage Server permission to change digests and feeds."},
		{"no subcommand", admin(cmdFeeds, "", nil), "Pick a subcommand."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := run(t.Context(), e.a.handle, tt.req); !isUserError(r.err, tt.want) || r.deferred {
				t.Errorf("result %+v, want %q at once", r, tt.want)
			}
		})
	}
	if r := run(t.Context(), e.a.handle, admin(cmdFeeds, "rename", nil)); !isUserError(r.err, `Unknown subcommand "rename".`) {
		t.Errorf("unknown subcommand: %+v", r)
	}
}

// TestAdminCommands: each subcommand, request in, private answer out,
// after a deferral and with the guild's default feeds seeded.
func TestAdminCommands(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(e *adminEnv)
		req     bot.Request
		want    []string // in the answer
		userMsg string
		check   func(t *testing.T, e *adminEnv)
	}{
		{name: "setup", req: admin(cmdDigest, "setup", map[string]any{"channel": "channel-2", "time": "08:30", "timezone": "Europe/Berlin"}),
			want: []string{"Daily digest set: <#channel-2> every day at 08:30 (Europe/Berlin).", "Next one <t:"},
			check: func(t *testing.T, e *adminEnv) {
				if len(e.notify.notices) != 1 || !strings.Contains(e.notify.notices[0], "channel-2: This channel will get the daily security news digest at 08:30") {
					t.Errorf("notices %q", e.notify.notices)
				}
			}},
		{name: "setup in UTC by default", req: admin(cmdDigest, "setup", map[string]any{"channel": "channel-2", "time": "08:30"}),
			want: []string{"every day at 08:30 (UTC)."}},
		{name: "setup without a channel", req: admin(cmdDigest, "setup", map[string]any{"time": "08:30"}), userMsg: "Pick the channel the digest goes to."},
		{name: "setup at no time", req: admin(cmdDigest, "setup", map[string]any{"channel": "c", "time": "8:30"}),
			userMsg: `"8:30" is not a time: use HH:MM on a 24-hour clock, e.g. 08:30.`},
		{name: "setup in no time zone", req: admin(cmdDigest, "setup", map[string]any{"channel": "c", "time": "08:30", "timezone": "Local"}),
			userMsg: `"Local" is not a time zone I know: use an IANA name such as Europe/Berlin or America/New_York.`},
		{name: "setup where the bot may not post", setup: func(e *adminEnv) { e.notify.err = errors.New("403 Missing Access") },
			req:     admin(cmdDigest, "setup", map[string]any{"channel": "channel-2", "time": "08:30"}),
			userMsg: "I can't post in <#channel-2>: I need View Channel, Send Messages, Embed Links and Create Public Threads there."},
		{name: "status", setup: func(e *adminEnv) {
			run(context.Background(), e.a.handle, admin(cmdDigest, "setup", map[string]any{"channel": "channel-2", "time": "08:30"}))
		}, req: admin(cmdDigest, "status", nil),
			want: []string{"**Digest** in <#channel-2> daily at 08:30 (UTC), next <t:", "**Digest** in <#channel-op> on schedule `0 9 * * *` (Europe/Berlin), set by the bot's operator", "**Feeds**: 1."}},
		{name: "off", setup: func(e *adminEnv) {
			run(context.Background(), e.a.handle, admin(cmdDigest, "setup", map[string]any{"channel": "channel-2", "time": "08:30"}))
		}, req: admin(cmdDigest, "off", nil),
			want: []string{"Stopped 1 scheduled digest(s).", "The digests the bot's operator declared in its configuration keep running"},
			check: func(t *testing.T, e *adminEnv) {
				if !e.sched.Next("channel-2").IsZero() {
					t.Error("the schedule still runs")
				}
			}},
		{name: "off without digests", req: admin(cmdDigest, "off", nil), want: []string{"There was no scheduled digest to stop."}},
		{name: "now", setup: func(e *adminEnv) {
			e.runner.res = news.DigestResult{Digest: news.Digest{Stories: make([]news.Story, 1), Headlines: make([]news.Story, 2), More: 3}}
		}, req: admin(cmdDigest, "now", nil), want: []string{"Posted a digest of 1 story, and listed 2 more by headline (3 more did not fit)."},
			check: func(t *testing.T, e *adminEnv) {
				if e.runner.target.ChannelID != "channel-1" || e.runner.target.GuildID != "guild-1" {
					t.Errorf("target %+v", e.runner.target)
				}
			}},
		{name: "now with nothing new", setup: func(e *adminEnv) { e.runner.err = news.ErrNothingNew }, req: admin(cmdDigest, "now", nil),
			want: []string{"Nothing new in this server's feeds within the look-back window."}},
		{name: "now where Discord refuses", setup: func(e *adminEnv) { e.runner.err = news.ErrUndeliverable }, req: admin(cmdDigest, "now", nil),
			userMsg: "Discord refused the digest in this channel. Check that I have View Channel, Send Messages, Embed Links and Create Public Threads here; the operator's log has Discord's answer."},
		{name: "now while another process posts here", setup: func(e *adminEnv) {
			e.runner.err = fmt.Errorf("resume digest 7: %w", news.ErrDigestBusy)
		}, req: admin(cmdDigest, "now", nil), userMsg: errDigestBusy},
		{name: "now failing", setup: func(e *adminEnv) { e.runner.err = context.DeadlineExceeded }, req: admin(cmdDigest, "now", nil),
			userMsg: "That took too long. Try again in a moment."},
		{name: "feeds list", req: admin(cmdFeeds, "list", nil), want: []string{"**1 feeds**", "<https://example.com/default.xml>"}},
		{name: "feeds list with a failing feed", setup: func(e *adminEnv) {
			ctx := context.Background()
			e.st.SeedGuild(ctx, "guild-1", []string{"https://example.com/default.xml"})
			e.st.SaveFeedState(ctx, news.FeedState{URL: "https://example.com/default.xml", Failures: 2, LastError: "the site took too long to answer @everyone"})
		}, req: admin(cmdFeeds, "list", nil), want: []string{"failing (2 in a row): the site took too long to answer"}},
		{name: "feeds add", req: admin(cmdFeeds, "add", map[string]any{"url": feedURL}),
			want: []string{"Added **Acme News", "<" + feedURL + "> (1 items)."}},
		{name: "feeds add again", setup: func(e *adminEnv) {
			run(context.Background(), e.a.handle, admin(cmdFeeds, "add", map[string]any{"url": feedURL}))
		}, req: admin(cmdFeeds, "add", map[string]any{"url": feedURL}), want: []string{"is already in this server's feeds"}},
		{name: "feeds add without a feed", req: admin(cmdFeeds, "add", map[string]any{"url": "https://example.com/"}),
			userMsg: "I couldn't add that feed: there is no RSS, Atom or JSON feed there, and the page links none."},
		{name: "feeds add without a link", req: admin(cmdFeeds, "add", nil), userMsg: "Give the feed's URL."},
		{name: "feeds remove", req: admin(cmdFeeds, "remove", map[string]any{"url": "https://example.com/default.xml"}),
			want: []string{"Removed <https://example.com/default.xml>."}},
		{name: "feeds remove of another feed", req: admin(cmdFeeds, "remove", map[string]any{"url": feedURL}),
			userMsg: "That feed is not in this server's list; see `/feeds list`."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newAdminEnv(t)
			if tt.setup != nil {
				tt.setup(e)
			}
			r := run(t.Context(), e.a.handle, tt.req)
			if tt.userMsg != "" {
				if r.err == nil || UserMessage(r.err) != tt.userMsg {
					t.Fatalf("result %+v (%q), want %q", r, UserMessage(r.err), tt.userMsg)
				}
				return
			}
			if r.err != nil || !r.deferred || !r.resp.Private {
				t.Fatalf("result %+v, want a private answer after a deferral", r)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.resp.Content, w) {
					t.Errorf("answer lacks %q:\n%s", w, r.resp.Content)
				}
			}
			if strings.Contains(r.resp.Content, "@everyone") {
				t.Errorf("answer can ping: %s", r.resp.Content)
			}
			if tt.check != nil {
				tt.check(t, e)
			}
		})
	}
}

// TestAdminAutocomplete: time zones for /digest setup, the guild's feeds
// for /feeds remove, nothing for members who may not manage the server.
func TestAdminAutocomplete(t *testing.T) {
	e := newAdminEnv(t)
	ctx := t.Context()
	if _, err := e.st.SeedGuild(ctx, "guild-1", []string{feedURL, "https://example.com/other.xml"}); err != nil {
		t.Fatal(err)
	}
	typed := func(name, focused, value string, perms int64) bot.Request {
		req := admin(name, "x", map[string]any{focused: value})
		req.Focused, req.Permissions = focused, perms
		return req
	}
	tests := []struct {
		name string
		req  bot.Request
		want []string
	}{
		{"time zones", typed(cmdDigest, "timezone", "berl", manageGuild), []string{"Europe/Berlin"}},
		{"time zones by an inner word", typed(cmdDigest, "timezone", "new york", manageGuild), []string{"America/New_York"}},
		{"feeds", typed(cmdFeeds, "url", "other", manageGuild), []string{"https://example.com/other.xml"}},
		{"all feeds", typed(cmdFeeds, "url", "", manageGuild), []string{feedURL, "https://example.com/other.xml"}},
		{"not for members who may not manage", typed(cmdFeeds, "url", "", discordgo.PermissionSendMessages), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			choices, err := e.a.autocomplete(ctx, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range choices {
				got = append(got, c.Value.(string))
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("choices %q, want %q", got, tt.want)
			}
		})
	}
	if n := len(matchZones("")); n != maxChoices {
		t.Errorf("%d zones for nothing typed, want %d", n, maxChoices)
	}
}

// TestAdminEntries: /digest and /feeds are private, may defer and
// complete their options.
func TestAdminEntries(t *testing.T) {
	e := newAdminEnv(t)
	cmds := e.a.Commands()
	for _, name := range []string{cmdDigest, cmdFeeds} {
		c := entry(t, cmds, name)
		if !c.MayDefer || c.Private == nil || !c.Private(bot.Request{}) || c.Autocomplete == nil || c.Handle == nil {
			t.Errorf("/%s entry %+v", name, c)
		}
		if p := c.Definition.DefaultMemberPermissions; p == nil || *p != manageGuild {
			t.Errorf("/%s default permissions %v", name, p)
		}
	}
}
