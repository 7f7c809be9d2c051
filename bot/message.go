package bot

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/render"
)

// handleMessage answers a message with the handler's Response, in replies
// to it: the bot shows it is typing while the Response's Later runs, and
// an error is answered with its UserMessage. A returned error is for the
// log; refusals are logged at info level.
func (b *Bot) handleMessage(ctx context.Context, m *discordgo.Message) error {
	resp, err := b.handler.HandleMessage(ctx, m)
	for err == nil && resp.Later != nil {
		_ = b.session.ChannelTyping(m.ChannelID, discordgo.WithContext(ctx)) // a courtesy: failing it changes nothing
		resp, err = resp.Later(ctx)
	}
	if err != nil {
		if rerr := b.replyTo(ctx, m, b.handler.UserMessage(err)); rerr != nil {
			b.log.Warn("reply with error", "message_id", m.ID, "err", rerr)
		}
		if b.handler.Refused(err) {
			b.log.Info("question refused", "message_id", m.ID, "reason", err)
			return nil
		}
		return err
	}
	if resp.Content == "" {
		return nil
	}
	for _, part := range render.Split(resp.Content, render.MaxContent) {
		if err := b.replyTo(ctx, m, part); err != nil {
			return err
		}
	}
	return nil
}

// replyTo answers m with a reply that pings no one, not even its author.
func (b *Bot) replyTo(ctx context.Context, m *discordgo.Message, content string) error {
	_, err := b.session.ChannelMessageSendComplex(m.ChannelID, &discordgo.MessageSend{
		Content:         render.Truncate(content, render.MaxContent),
		Reference:       &discordgo.MessageReference{MessageID: m.ID, ChannelID: m.ChannelID, GuildID: m.GuildID, FailIfNotExists: new(false)},
		AllowedMentions: render.NoMentions(),
	}, discordgo.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("reply to %s: %w", m.ID, err)
	}
	return nil
}
