package commands

import (
	"log/slog"
	"sync"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/render"
)

// reply tracks how an interaction has been answered so far, so errors are
// shown the right way: a fresh ephemeral response, or (after a deferral) a
// deleted placeholder and an ephemeral follow-up.
type reply struct {
	d Discord
	i *discordgo.Interaction

	mu        sync.Mutex
	responded bool // a response (deferred or not) was sent
	ephemeral bool // the response is ephemeral
	log       *slog.Logger
}

// deferResponse acknowledges the interaction at once (type 5), so Discord's
// 3-second deadline is met whatever follows.
func (r *reply) deferResponse(ephemeral bool) error {
	resp := &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{AllowedMentions: render.NoMentions()},
	}
	if ephemeral {
		resp.Data.Flags = discordgo.MessageFlagsEphemeral
	}
	if err := r.d.InteractionRespond(r.i, resp); err != nil {
		return err
	}
	r.mu.Lock()
	r.responded, r.ephemeral = true, ephemeral
	r.mu.Unlock()
	return nil
}

// send answers with a message: directly when nothing was sent yet, else by
// editing the deferred original. It returns the message when Discord
// returned one.
func (r *reply) send(content string, embeds []*discordgo.MessageEmbed, ephemeral bool) (*discordgo.Message, error) {
	r.mu.Lock()
	responded := r.responded
	r.mu.Unlock()
	if !responded {
		data := &discordgo.InteractionResponseData{Content: content, Embeds: embeds, AllowedMentions: render.NoMentions()}
		if ephemeral {
			data.Flags = discordgo.MessageFlagsEphemeral
		}
		err := r.d.InteractionRespond(r.i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: data})
		if err != nil {
			return nil, err
		}
		r.mu.Lock()
		r.responded, r.ephemeral = true, ephemeral
		r.mu.Unlock()
		return nil, nil
	}
	edit := &discordgo.WebhookEdit{Content: &content, AllowedMentions: render.NoMentions()}
	if embeds != nil {
		edit.Embeds = &embeds
	}
	return r.d.InteractionResponseEdit(r.i, edit)
}

// followUp posts one more message after the first response.
func (r *reply) followUp(content string, ephemeral bool) (*discordgo.Message, error) {
	p := &discordgo.WebhookParams{Content: content, AllowedMentions: render.NoMentions()}
	if ephemeral {
		p.Flags = discordgo.MessageFlagsEphemeral
	}
	return r.d.FollowupMessageCreate(r.i, true, p)
}

// fail shows err's user message ephemerally. After a public deferral the
// "thinking" placeholder is deleted and the message goes in an ephemeral
// follow-up, so a failure is only shown to the person who asked.
func (r *reply) fail(err error) {
	msg := render.Truncate(UserMessage(err), 2000)
	r.mu.Lock()
	responded, ephemeral := r.responded, r.ephemeral
	r.mu.Unlock()
	var sendErr error
	switch {
	case !responded:
		_, sendErr = r.send(msg, nil, true)
	case ephemeral:
		empty := []*discordgo.MessageEmbed{}
		_, sendErr = r.d.InteractionResponseEdit(r.i, &discordgo.WebhookEdit{Content: &msg, Embeds: &empty, AllowedMentions: render.NoMentions()})
	default:
		_ = r.d.InteractionResponseDelete(r.i)
		_, sendErr = r.followUp(msg, true)
	}
	if sendErr != nil && r.log != nil {
		r.log.Warn("could not show error to user", "interaction_id", r.i.ID, "err", sendErr)
	}
}
