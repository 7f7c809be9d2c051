package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

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
func (a *Admin) autocomplete(ctx context.Context, rep *reply, data discordgo.ApplicationCommandInteractionData) error {
	var choices []*discordgo.ApplicationCommandOptionChoice
	focused, typed := focusedOption(data.Options)
	switch {
	case !canManage(rep.i):
	case data.Name == cmdDigest && focused == "timezone":
		for _, z := range matchZones(typed) {
			choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: z, Value: z})
		}
	case data.Name == cmdFeeds && focused == "url":
		feeds, err := a.store.GuildFeeds(ctx, rep.i.GuildID)
		if err != nil {
			return fmt.Errorf("autocomplete feeds: %w", err)
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
	return rep.d.InteractionRespond(rep.i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: choices, AllowedMentions: render.NoMentions()},
	})
}

// focusedOption finds the focused option in a (possibly subcommand)
// option tree and returns its name and what was typed so far.
func focusedOption(opts []*discordgo.ApplicationCommandInteractionDataOption) (string, string) {
	for _, o := range opts {
		if o.Focused {
			s, _ := o.Value.(string)
			return o.Name, s
		}
		if n, v := focusedOption(o.Options); n != "" {
			return n, v
		}
	}
	return "", ""
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
