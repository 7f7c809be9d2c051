package commands

import (
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/render"
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
	r := New(nil, nil, nil, nil, Options{}, slog.New(slog.DiscardHandler))
	for _, c := range r.Commands() {
		if c.Name != cmdUsage {
			continue
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
