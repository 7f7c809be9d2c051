package render

import (
	"errors"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
)

func TestCheckLimits(t *testing.T) {
	embed := func(mod func(e *discordgo.MessageEmbed)) *discordgo.MessageEmbed {
		e := &discordgo.MessageEmbed{Title: "t", Description: "d",
			Fields: []*discordgo.MessageEmbedField{{Name: "n", Value: "v"}}}
		mod(e)
		return e
	}
	same := func(*discordgo.MessageEmbed) {}
	many := func(n int, e *discordgo.MessageEmbed) []*discordgo.MessageEmbed {
		out := make([]*discordgo.MessageEmbed, n)
		for i := range out {
			out[i] = e
		}
		return out
	}
	tests := []struct {
		name string
		msg  *discordgo.MessageSend
		ok   bool
	}{
		{"small", &discordgo.MessageSend{Content: "hi", Embeds: many(1, embed(same))}, true},
		{"content at the limit in runes", &discordgo.MessageSend{Content: strings.Repeat("ä", MaxContent)}, true},
		{"content over", &discordgo.MessageSend{Content: strings.Repeat("a", MaxContent+1)}, false},
		{"ten embeds", &discordgo.MessageSend{Embeds: many(10, embed(same))}, true},
		{"eleven embeds", &discordgo.MessageSend{Embeds: many(11, embed(same))}, false},
		{"embeds over 6000 together", &discordgo.MessageSend{Embeds: many(2, embed(func(e *discordgo.MessageEmbed) {
			e.Description = strings.Repeat("a", 3500)
		}))}, false},
		{"title over", &discordgo.MessageSend{Embeds: many(1, embed(func(e *discordgo.MessageEmbed) { e.Title = strings.Repeat("a", 257) }))}, false},
		{"description over", &discordgo.MessageSend{Embeds: many(1, embed(func(e *discordgo.MessageEmbed) { e.Description = strings.Repeat("a", 4097) }))}, false},
		{"26 fields", &discordgo.MessageSend{Embeds: many(1, embed(func(e *discordgo.MessageEmbed) {
			for range 25 {
				e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: "n", Value: "v"})
			}
		}))}, false},
		{"field name over", &discordgo.MessageSend{Embeds: many(1, embed(func(e *discordgo.MessageEmbed) { e.Fields[0].Name = strings.Repeat("a", 257) }))}, false},
		{"field value over", &discordgo.MessageSend{Embeds: many(1, embed(func(e *discordgo.MessageEmbed) { e.Fields[0].Value = strings.Repeat("a", 1025) }))}, false},
		{"empty field value", &discordgo.MessageSend{Embeds: many(1, embed(func(e *discordgo.MessageEmbed) { e.Fields[0].Value = "" }))}, false},
		{"footer over", &discordgo.MessageSend{Embeds: many(1, embed(func(e *discordgo.MessageEmbed) {
			e.Footer = &discordgo.MessageEmbedFooter{Text: strings.Repeat("a", 2049)}
		}))}, false},
		{"author over", &discordgo.MessageSend{Embeds: many(1, embed(func(e *discordgo.MessageEmbed) {
			e.Author = &discordgo.MessageEmbedAuthor{Name: strings.Repeat("a", 257)}
		}))}, false},
		{"empty message", &discordgo.MessageSend{}, false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckLimits(tt.msg)
			if (err == nil) != tt.ok {
				t.Errorf("CheckLimits = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrLimit) {
				t.Errorf("error %v does not wrap ErrLimit", err)
			}
		})
	}
}

func TestCheckSafe(t *testing.T) {
	tests := []struct {
		name string
		msg  *discordgo.MessageSend
		ok   bool
	}{
		{"safe", &discordgo.MessageSend{Content: "hi", AllowedMentions: NoMentions()}, true},
		{"no allowed mentions", &discordgo.MessageSend{Content: "hi"}, false},
		{"nil parse", &discordgo.MessageSend{Content: "hi", AllowedMentions: &discordgo.MessageAllowedMentions{}}, false},
		{"parse everyone", &discordgo.MessageSend{Content: "hi", AllowedMentions: &discordgo.MessageAllowedMentions{
			Parse: []discordgo.AllowedMentionType{discordgo.AllowedMentionTypeEveryone}}}, false},
		{"live mention in a field", &discordgo.MessageSend{AllowedMentions: NoMentions(), Embeds: []*discordgo.MessageEmbed{{
			Title: "t", Fields: []*discordgo.MessageEmbedField{{Name: "n", Value: "<@&1>"}}}}}, false},
		{"masked link in the footer", &discordgo.MessageSend{AllowedMentions: NoMentions(), Embeds: []*discordgo.MessageEmbed{{
			Title: "t", Footer: &discordgo.MessageEmbedFooter{Text: "[a](https://evil.example)"}}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckSafe(tt.msg)
			if (err == nil) != tt.ok {
				t.Errorf("CheckSafe = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrUnsafe) {
				t.Errorf("error %v does not wrap ErrUnsafe", err)
			}
		})
	}
}
