package commands

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/render"
)

// cmdUsage is the /usage command's name (public interface).
const cmdUsage = "usage"

// usageDays is how many days /usage lists, today included.
const usageDays = 7

// maxModelRunes bounds a model name in /usage; names come from the
// configuration, but one line per day must stay short.
const maxModelRunes = 60

// dayLayout is how usage days are written (UTC), as in the store.
const dayLayout = time.DateOnly

// usageDefinition is /usage: visible by default only to members with
// Manage Server, in servers only.
func usageDefinition() *discordgo.ApplicationCommand {
	perm := manageGuild
	guildOnly := []discordgo.InteractionContextType{discordgo.InteractionContextGuild}
	return &discordgo.ApplicationCommand{
		Name:                     cmdUsage,
		Description:              "This server's LLM tokens: today against the daily budget, and the last 7 days",
		DefaultMemberPermissions: &perm,
		Contexts:                 &guildOnly,
	}
}

// usageEntry is /usage: this server's token usage, privately, for members
// with Manage Server (checked here too: default permissions can be
// overridden per server).
func (t *Table) usageEntry() bot.Command {
	return bot.Command{Definition: usageDefinition(), Private: always, Handle: t.usage}
}

// usage handles /usage.
func (t *Table) usage(ctx context.Context, req bot.Request) (bot.Response, error) {
	if req.GuildID == "" {
		return bot.Response{}, userErrorf("This command only works in a server.")
	}
	if !canManage(req) {
		return bot.Response{}, userErrorf("You need the Manage Server permission to see this server's usage.")
	}
	today := t.opts.Now().UTC()
	from := today.AddDate(0, 0, 1-usageDays).Format(dayLayout)
	rows, err := t.store.GuildUsage(ctx, req.GuildID, from, today.Format(dayLayout))
	if err != nil {
		return bot.Response{}, fmt.Errorf("usage of guild %s: %w", req.GuildID, err)
	}
	return bot.Response{Content: usageReport(rows, today, t.opts.GuildDailyTokens), Private: true}, nil
}

// always is the Private rule of commands whose answers are always private.
func always(bot.Request) bool { return true }

// usageReport renders one guild's rows for the usageDays days ending today:
// today against the daily budget (0: none), then one line per day, days
// without usage included so the trend shows, split by model when more
// than one was used. It fits one message.
func usageReport(rows []news.Usage, today time.Time, budget int) string {
	perDay := map[string]map[string]int{}
	var models []string
	for _, u := range rows {
		if perDay[u.Day] == nil {
			perDay[u.Day] = map[string]int{}
		}
		perDay[u.Day][u.Model] += u.PromptTokens + u.CompletionTokens
		if !slices.Contains(models, u.Model) {
			models = append(models, u.Model)
		}
	}
	slices.Sort(models)
	dayTotal := func(day string) int {
		n := 0
		for _, t := range perDay[day] {
			n += t
		}
		return n
	}

	var b strings.Builder
	b.WriteString("**LLM tokens used by this server** (days in UTC)\n")
	used := dayTotal(today.Format(dayLayout))
	switch {
	case budget <= 0:
		fmt.Fprintf(&b, "**Today:** %s tokens; no daily budget.\n", thousands(used))
	case used >= budget:
		fmt.Fprintf(&b, "**Today:** %s of %s tokens: the daily budget is spent. New summaries and answers wait until 00:00 UTC; links summarized before still work.\n",
			thousands(used), thousands(budget))
	default:
		fmt.Fprintf(&b, "**Today:** %s of %s tokens (%d%%), %s left. The budget resets at 00:00 UTC.\n",
			thousands(used), thousands(budget), used*100/budget, thousands(budget-used))
	}
	fmt.Fprintf(&b, "**Last %d days:**\n", usageDays)
	week := 0
	for k := range usageDays {
		day := today.AddDate(0, 0, -k).Format(dayLayout)
		n := dayTotal(day)
		week += n
		fmt.Fprintf(&b, "`%s` %s", day, thousands(n))
		if len(models) > 1 && n > 0 {
			var parts []string
			for _, m := range models {
				if t := perDay[day][m]; t > 0 {
					parts = append(parts, modelName(m)+" "+thousands(t))
				}
			}
			fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "**Total:** %s tokens", thousands(week))
	if len(models) == 1 {
		fmt.Fprintf(&b, ", all with %s", modelName(models[0]))
	}
	b.WriteString(".")
	return render.Truncate(b.String(), render.MaxContent)
}

// modelName shows a model name as inline code, short and inert.
func modelName(m string) string {
	m = strings.ReplaceAll(render.Sanitize(m, nil), "`", "'")
	if m == "" {
		m = "unknown model"
	}
	return "`" + render.Truncate(m, maxModelRunes) + "`"
}

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
