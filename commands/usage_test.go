package commands

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/render"
	"github.com/secbrief/secbrief/storage"
)

// usageToday is the test's "now": late on 2 March west of UTC, already
// 3 March in UTC, the day usage is counted in.
var usageToday = time.Date(2026, 3, 2, 22, 0, 0, 0, time.FixedZone("CST", -6*3600))

func TestUsageReport(t *testing.T) {
	oneModel := []news.Usage{
		{GuildID: "g", Day: "2026-03-03", Model: "gpt-4o-mini", PromptTokens: 1000, CompletionTokens: 234},
		{GuildID: "g", Day: "2026-03-01", Model: "gpt-4o-mini", PromptTokens: 50000, CompletionTokens: 0},
	}
	tests := []struct {
		name   string
		rows   []news.Usage
		budget int
		want   string
	}{
		{"no budget, one model: zeros listed, model named once", oneModel, 0,
			"**LLM tokens used by this server** (days in UTC)\n" +
				"**Today:** 1,234 tokens; no daily budget.\n" +
				"**Last 7 days:**\n" +
				"`2026-03-03` 1,234\n`2026-03-02` 0\n`2026-03-01` 50,000\n`2026-02-28` 0\n`2026-02-27` 0\n`2026-02-26` 0\n`2026-02-25` 0\n" +
				"**Total:** 51,234 tokens, all with `gpt-4o-mini`."},
		{"budget with room", oneModel, 200000,
			"**LLM tokens used by this server** (days in UTC)\n" +
				"**Today:** 1,234 of 200,000 tokens (0%), 198,766 left. The budget resets at 00:00 UTC.\n" +
				"**Last 7 days:**\n" +
				"`2026-03-03` 1,234\n`2026-03-02` 0\n`2026-03-01` 50,000\n`2026-02-28` 0\n`2026-02-27` 0\n`2026-02-26` 0\n`2026-02-25` 0\n" +
				"**Total:** 51,234 tokens, all with `gpt-4o-mini`."},
		{"budget spent; per model when more than one", []news.Usage{
			{GuildID: "g", Day: "2026-03-03", Model: "gpt-4o-mini", PromptTokens: 900, CompletionTokens: 100},
			{GuildID: "g", Day: "2026-03-03", Model: "gpt-4o", PromptTokens: 150, CompletionTokens: 50},
			{GuildID: "g", Day: "2026-02-26", Model: "gpt-4o", PromptTokens: 7},
		}, 1000,
			"**LLM tokens used by this server** (days in UTC)\n" +
				"**Today:** 1,200 of 1,000 tokens: the daily budget is spent. New summaries and answers wait until 00:00 UTC; links summarized before still work.\n" +
				"**Last 7 days:**\n" +
				"`2026-03-03` 1,200 (`gpt-4o` 200, `gpt-4o-mini` 1,000)\n`2026-03-02` 0\n`2026-03-01` 0\n`2026-02-28` 0\n`2026-02-27` 0\n" +
				"`2026-02-26` 7 (`gpt-4o` 7)\n`2026-02-25` 0\n" +
				"**Total:** 1,207 tokens."},
		{"nothing used", nil, 5000,
			"**LLM tokens used by this server** (days in UTC)\n" +
				"**Today:** 0 of 5,000 tokens (0%), 5,000 left. The budget resets at 00:00 UTC.\n" +
				"**Last 7 days:**\n" +
				"`2026-03-03` 0\n`2026-03-02` 0\n`2026-03-01` 0\n`2026-02-28` 0\n`2026-02-27` 0\n`2026-02-26` 0\n`2026-02-25` 0\n" +
				"**Total:** 0 tokens."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := usageReport(tt.rows, usageToday.UTC(), tt.budget); got != tt.want {
				t.Errorf("usageReport =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestUsageReportFitsAndIsInert: hostile or huge model names (they come
// from the configuration, but one mistake must not ping or overflow)
// still give one message that mentions no one.
func TestUsageReportFitsAndIsInert(t *testing.T) {
	var rows []news.Usage
	for d := range usageDays {
		day := usageToday.UTC().AddDate(0, 0, -d).Format(dayLayout)
		for m := range 12 {
			rows = append(rows, news.Usage{GuildID: "g", Day: day, Model: strings.Repeat("@everyone `x` <@123> [a](https://evil.example) ", 10) + string(rune('a'+m)),
				PromptTokens: 123456789, CompletionTokens: 1})
		}
	}
	got := usageReport(rows, usageToday.UTC(), 1)
	if n := utf8.RuneCountInString(got); n > render.MaxContent {
		t.Errorf("report is %d runes, over %d", n, render.MaxContent)
	}
	if err := render.CheckTextSafe(got); err != nil {
		t.Errorf("report is not safe: %v\n%s", err, got)
	}
	if !strings.HasPrefix(got, "**LLM tokens used by this server**") || !strings.Contains(got, "daily budget is spent") {
		t.Errorf("report lost its head:\n%s", got)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 123456: "123,456", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestUsageIsRegistered: /usage is in the bulk-registered commands, for
// Manage Server by default and in servers only.
func TestUsageIsRegistered(t *testing.T) {
	r := New(nil, nil, nil, Options{}, slog.New(slog.DiscardHandler))
	for _, e := range r.Commands() {
		c := e.Definition
		if c.Name != cmdUsage {
			continue
		}
		if e.MayDefer || e.Private == nil || !e.Private(bot.Request{}) {
			t.Errorf("/usage entry %+v, want private and answered at once", e)
		}
		if c.DefaultMemberPermissions == nil || *c.DefaultMemberPermissions != manageGuild {
			t.Errorf("/usage default_member_permissions = %v, want Manage Server", c.DefaultMemberPermissions)
		}
		if c.Contexts == nil || len(*c.Contexts) != 1 {
			t.Errorf("/usage contexts = %v, want servers only", c.Contexts)
		}
		return
	}
	t.Error("/usage is not among the Router's commands")
}

// TestUsageCommand: through the Router, with the store on SQLite, /usage
// answers once, privately and without pings, from this guild's rows only;
// it refuses members without Manage Server and direct messages.
func TestUsageCommand(t *testing.T) {
	ctx := context.Background()
	st, err := storage.Open(ctx, filepath.Join(t.TempDir(), "usage.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, u := range []news.Usage{
		{GuildID: "1", Day: "2026-03-03", Model: "m", PromptTokens: 4000, CompletionTokens: 321},
		{GuildID: "1", Day: "2026-02-24", Model: "m", PromptTokens: 5555}, // 8 days back: not shown
		{GuildID: "2", Day: "2026-03-03", Model: "other-guild-model", PromptTokens: 888888},
		{GuildID: "", Day: "2026-03-02", Model: "m", PromptTokens: 777777},
	} {
		if err := st.AddUsage(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	r := New(nil, nil, st, Options{GuildDailyTokens: 10000, Now: func() time.Time { return usageToday }}, slog.New(slog.DiscardHandler))
	invoke := func(guildID string, perms int64) string {
		t.Helper()
		res := run(ctx, r.usage, bot.Request{Name: cmdUsage, GuildID: guildID, UserID: "5", Permissions: perms})
		if res.err != nil {
			return UserMessage(res.err)
		}
		if !res.resp.Private || res.deferred {
			t.Fatalf("response %+v is not private and at once", res.resp)
		}
		return res.resp.Content
	}

	got := invoke("1", discordgo.PermissionManageGuild)
	for _, want := range []string{"**Today:** 4,321 of 10,000 tokens (43%), 5,679 left.", "`2026-03-03` 4,321\n`2026-03-02` 0\n", "**Total:** 4,321 tokens, all with `m`."} {
		if !strings.Contains(got, want) {
			t.Errorf("/usage lacks %q:\n%s", want, got)
		}
	}
	for _, leak := range []string{"other-guild-model", "888,888", "777,777", "5,555", "2026-02-24"} {
		if strings.Contains(got, leak) {
			t.Errorf("/usage shows %q, which is not this guild's last 7 days:\n%s", leak, got)
		}
	}
	if got := invoke("1", discordgo.PermissionAdministrator); !strings.Contains(got, "4,321") {
		t.Errorf("an Administrator is refused: %s", got)
	}
	if got := invoke("1", discordgo.PermissionSendMessages); !strings.Contains(got, "Manage Server") || strings.Contains(got, "4,321") {
		t.Errorf("a member without Manage Server got: %s", got)
	}
	if got := invoke("", 0); !strings.Contains(got, "only works in a server") {
		t.Errorf("a direct message got: %s", got)
	}
}
