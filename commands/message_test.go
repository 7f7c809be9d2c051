package commands

import (
	"context"
	"log/slog"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// TestHandleMessageIgnores: messages that must never be answered return
// before anything is looked up (the Table has no store to look in, so
// any lookup would panic).
func TestHandleMessageIgnores(t *testing.T) {
	r := New(nil, nil, nil, Options{}, slog.New(slog.DiscardHandler))
	r.SetSelf("42")
	mention := []*discordgo.User{{ID: "42"}}
	tests := []struct {
		name string
		m    *discordgo.Message
	}{
		{"another bot mentioning us", &discordgo.Message{GuildID: "1", ChannelID: "2", Author: &discordgo.User{ID: "7", Bot: true}, Mentions: mention, Content: "<@42> loop?"}},
		{"our own message", &discordgo.Message{GuildID: "1", ChannelID: "2", Author: &discordgo.User{ID: "42", Bot: true}, Mentions: mention, Content: "<@42>"}},
		{"no author", &discordgo.Message{GuildID: "1", ChannelID: "2", Mentions: mention}},
		{"direct message", &discordgo.Message{ChannelID: "2", Author: &discordgo.User{ID: "7"}, Mentions: mention, Content: "<@42> hi"}},
		{"plain message without the content intent", &discordgo.Message{GuildID: "1", ChannelID: "2", Author: &discordgo.User{ID: "7"}, Content: "hi"}},
		{"system message", &discordgo.Message{GuildID: "1", ChannelID: "2", Author: &discordgo.User{ID: "7"}, Mentions: mention, Type: discordgo.MessageTypeThreadCreated}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := r.HandleMessage(context.Background(), tt.m)
			if err != nil || resp.Content != "" || resp.Later != nil {
				t.Fatalf("HandleMessage: %+v, %v; want no answer", resp, err)
			}
		})
	}
}
