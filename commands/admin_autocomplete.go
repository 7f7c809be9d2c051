package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/render"
)

// maxChoices is Discord's limit of autocomplete choices; a choice's name
// and value are at most 100 characters.
const (
	maxChoices     = 25
	maxChoiceRunes = 100
)

// autocomplete answers the time zone of /digest setup and the feed of
// /feeds remove.
func (a *Admin) autocomplete(ctx context.Context, req bot.Request) ([]*discordgo.ApplicationCommandOptionChoice, error) {
	var choices []*discordgo.ApplicationCommandOptionChoice
	focused, typed := req.Focused, req.String(req.Focused)
	switch {
	case !canManage(req):
	case req.Name == cmdDigest && focused == "timezone":
		for _, z := range matchZones(typed) {
			choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: z, Value: z})
		}
	case req.Name == cmdFeeds && focused == "url":
		feeds, err := a.store.GuildFeeds(ctx, req.GuildID)
		if err != nil {
			return nil, fmt.Errorf("autocomplete feeds: %w", err)
		}
		typed = strings.ToLower(typed)
		for _, f := range feeds {
			if len(choices) == maxChoices || len([]rune(f.URL)) > maxChoiceRunes {
				continue
			}
			name := f.Title
			if name == "" {
				name = f.URL
			}
			if typed != "" && !strings.Contains(strings.ToLower(name+" "+f.URL), typed) {
				continue
			}
			choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: render.Truncate(name, maxChoiceRunes), Value: f.URL})
		}
	}
	return choices, nil
}

// matchZones returns up to maxChoices zone names containing typed, those
// starting with it first.
func matchZones(typed string) []string {
	typed = strings.ToLower(strings.TrimSpace(typed))
	var prefix, inner []string
	for _, z := range timeZones {
		lz := strings.ToLower(z)
		switch {
		case strings.HasPrefix(lz, typed):
			prefix = append(prefix, z)
		case strings.Contains(lz, typed) || strings.Contains(strings.ReplaceAll(lz, "_", " "), typed):
			inner = append(inner, z)
		}
	}
	out := append(prefix, inner...)
	if len(out) > maxChoices {
		out = out[:maxChoices]
	}
	return out
}
