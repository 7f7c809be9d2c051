package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakediscord"
	"github.com/secbrief/secbrief/news"
)

// TestUsageSlashCommand: /usage shows a server's admin, privately, that
// server's tokens today against limits.guild_daily_tokens and its last 7
// days; another server's usage in the same store never shows, and a member
// without Manage Server is refused.
func TestUsageSlashCommand(t *testing.T) {
	t.Parallel()
	// The bot's clock is the wall clock: should UTC midnight pass between
	// seeding and answering, "today" moved and the test runs again on a
	// fresh bot.
	for attempt := 0; ; attempt++ {
		if usageEndToEnd(t) {
			return
		}
		if attempt > 0 {
			t.Fatal("the UTC day changed twice during the test")
		}
	}
}

// usageEndToEnd is TestUsageSlashCommand on one bot; it reports false,
// having checked nothing that depends on the day, when the day changed.
func usageEndToEnd(t *testing.T) bool {
	h := newHarness(t)
	h.cfg.Limits.GuildDailyTokens = 50000
	h.start()
	defer h.stop()
	names := map[string]bool{}
	for _, c := range h.dc.Commands(h.dc.GuildID()) {
		names[c.Name] = true
		if c.Name == "usage" && (c.DefaultMemberPermissions == nil || *c.DefaultMemberPermissions != "32") {
			t.Errorf("/usage default_member_permissions = %v, want 32", c.DefaultMemberPermissions)
		}
	}
	if !names["usage"] {
		t.Fatalf("/usage not registered; have %v", names)
	}

	day := time.Now().UTC()
	got, ok := usageOnce(t, h, day)
	if !ok {
		return false
	}
	want := []string{
		"**Today:** 12,345 of 50,000 tokens (24%), 37,655 left.",
		"`" + day.Format(time.DateOnly) + "` 12,345 (`gpt-4o` 345, `gpt-4o-mini` 12,000)",
		"`" + day.AddDate(0, 0, -1).Format(time.DateOnly) + "` 0\n",
		"`" + day.AddDate(0, 0, -2).Format(time.DateOnly) + "` 678 (`gpt-4o-mini` 678)",
		"**Total:** 13,023 tokens.",
	}
	for _, w := range want {
		if !strings.Contains(got.text, w) {
			t.Errorf("/usage lacks %q:\n%s", w, got.text)
		}
	}
	if !got.ephemeral {
		t.Error("/usage answer is public")
	}
	for _, leak := range []string{"other-server-model", "777,777", "99,999"} {
		if strings.Contains(got.text, leak) {
			t.Errorf("/usage shows another server's usage (%q):\n%s", leak, got.text)
		}
	}

	// A member without Manage Server is refused on the server side.
	refused := finalText(h.settled(h.dispatch(fakediscord.SlashCommand("usage"))))
	if !refused.ephemeral || !strings.Contains(refused.text, "Manage Server") || strings.Contains(refused.text, "12,345") {
		t.Errorf("/usage by a member without Manage Server: %+v", refused)
	}
	h.checkNoPings()
	h.checkLogs()
	return true
}

// usageOnce seeds this server's and another server's usage around day and
// asks /usage as an admin; ok is false when the UTC day changed meanwhile.
func usageOnce(t *testing.T, h *harness, day time.Time) (answer, bool) {
	t.Helper()
	ctx := context.Background()
	guild := h.dc.GuildID()
	const other = "999999999999999999"
	today, before := day.Format(time.DateOnly), day.AddDate(0, 0, -2).Format(time.DateOnly)
	seed := []news.Usage{
		{GuildID: guild, Day: today, Model: "gpt-4o-mini", PromptTokens: 10000, CompletionTokens: 2000},
		{GuildID: guild, Day: today, Model: "gpt-4o", PromptTokens: 300, CompletionTokens: 45},
		{GuildID: guild, Day: before, Model: "gpt-4o-mini", PromptTokens: 600, CompletionTokens: 78},
		{GuildID: other, Day: today, Model: "other-server-model", PromptTokens: 777777},
		{GuildID: other, Day: before, Model: "gpt-4o-mini", PromptTokens: 99999},
		{GuildID: "", Day: today, Model: "gpt-4o-mini", PromptTokens: 99999},
	}
	for _, u := range seed {
		if err := h.app.store.AddUsage(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	got := finalText(h.settled(h.dispatch(admin(fakediscord.SlashCommand("usage")))))
	return got, time.Now().UTC().Format(time.DateOnly) == today
}
