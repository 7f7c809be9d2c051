package bot

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/render"
)

// reply tracks how an interaction has been answered so far, so that every
// later step takes the right route: a first response (type 4, or a
// deferral), an edit of the deferred original, follow-ups; and errors are
// shown the right way: a fresh ephemeral response; after a public deferral
// a deleted placeholder and an ephemeral follow-up; after an answer was
// delivered, an ephemeral follow-up that leaves the answer alone.
type reply struct {
	ctx     context.Context
	client  Client
	i       *discordgo.Interaction
	log     *slog.Logger
	encoded *encodings

	// answered is called once the first response was sent (or the
	// handler ended without one).
	answered func()

	// send serializes the requests of the reply: a deferral the timer
	// decides on never races the answer.
	send sync.Mutex

	mu        sync.Mutex
	responded bool // a response (deferred or not) was sent
	ephemeral bool // the response is ephemeral
	delivered bool // content the user should keep was sent
}

// state returns what was sent so far.
func (r *reply) state() (responded, ephemeral, delivered bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.responded, r.ephemeral, r.delivered
}

// deferOnce acknowledges the interaction (type 5) unless a response was
// sent already, so Discord's 3-second deadline is met whatever follows.
func (r *reply) deferOnce(ephemeral bool) error {
	r.send.Lock()
	defer r.send.Unlock()
	if responded, _, _ := r.state(); responded {
		return nil
	}
	resp := &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{AllowedMentions: render.NoMentions()},
	}
	if ephemeral {
		resp.Data.Flags = discordgo.MessageFlagsEphemeral
	}
	if err := r.client.InteractionRespond(r.i, resp, discordgo.WithContext(r.ctx)); err != nil {
		return err
	}
	r.respondedWith(ephemeral, false)
	return nil
}

// respondedWith records that the first response was sent.
func (r *reply) respondedWith(ephemeral, delivered bool) {
	r.mu.Lock()
	r.responded, r.ephemeral = true, ephemeral
	r.delivered = r.delivered || delivered
	r.mu.Unlock()
	r.answered()
}

// modal answers with a modal: only a first response can be one.
func (r *reply) modal(m *Modal) error {
	r.send.Lock()
	defer r.send.Unlock()
	err := r.client.InteractionRespond(r.i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseModal,
		Data: &discordgo.InteractionResponseData{CustomID: m.CustomID, Title: m.Title, Components: m.Components, AllowedMentions: render.NoMentions()},
	}, discordgo.WithContext(r.ctx))
	if err == nil {
		r.respondedWith(false, true)
	}
	return err
}

// deliver sends the first message of an answer: directly (pre-encoded,
// asking Discord for the message's id) when nothing was sent yet, else by
// editing the deferred original. The message it returns may carry only
// its id and channel, and is nil when Discord did not say.
func (r *reply) deliver(content string, embeds []*discordgo.MessageEmbed, ephemeral bool) (*discordgo.Message, error) {
	r.send.Lock()
	defer r.send.Unlock()
	if responded, _, _ := r.state(); responded {
		m, err := r.edit(r.ctx, content, embeds)
		if err == nil {
			r.mu.Lock()
			r.delivered = true
			r.mu.Unlock()
		}
		return m, err
	}
	body, err := r.encoded.direct(content, embeds, ephemeral)
	if err != nil {
		return nil, err
	}
	id, err := r.client.InteractionRespondJSON(r.i, body, discordgo.WithContext(r.ctx))
	if err != nil {
		return nil, err
	}
	r.respondedWith(ephemeral, true)
	if id == "" {
		return nil, nil
	}
	return &discordgo.Message{ID: id, ChannelID: r.i.ChannelID, GuildID: r.i.GuildID}, nil
}

// edit replaces the deferred original's content and embeds.
func (r *reply) edit(ctx context.Context, content string, embeds []*discordgo.MessageEmbed) (*discordgo.Message, error) {
	if embeds == nil {
		embeds = []*discordgo.MessageEmbed{}
	}
	e := &discordgo.WebhookEdit{Content: &content, Embeds: &embeds, AllowedMentions: render.NoMentions()}
	return r.client.InteractionResponseEdit(r.i, e, discordgo.WithContext(ctx))
}

// followUp posts one more message after the first response.
func (r *reply) followUp(ctx context.Context, content string, ephemeral bool) (*discordgo.Message, error) {
	p := &discordgo.WebhookParams{Content: content, AllowedMentions: render.NoMentions()}
	if ephemeral {
		p.Flags = discordgo.MessageFlagsEphemeral
	}
	return r.client.FollowupMessageCreate(r.i, true, p, discordgo.WithContext(ctx))
}

// fail shows msg ephemerally. After a public deferral the "thinking"
// placeholder is deleted and the message goes in an ephemeral follow-up,
// so a failure is only shown to the person who asked; after an answer was
// delivered it is left alone. fail works after the handler's context ended
// (shutdown), within a few seconds of its own.
func (r *reply) fail(msg string) {
	r.send.Lock()
	defer r.send.Unlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), 5*time.Second)
	defer cancel()
	msg = render.Truncate(msg, render.MaxContent)
	responded, ephemeral, delivered := r.state()
	var err error
	switch {
	case !responded:
		resp := &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Content: msg, Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: render.NoMentions()},
		}
		if err = r.client.InteractionRespond(r.i, resp, discordgo.WithContext(ctx)); err == nil {
			r.respondedWith(true, false)
		}
	case delivered:
		_, err = r.followUp(ctx, msg, true)
	case ephemeral:
		_, err = r.edit(ctx, msg, nil)
	default:
		if derr := r.client.InteractionResponseDelete(r.i, discordgo.WithContext(ctx)); derr != nil {
			r.log.Warn("delete placeholder", "interaction_id", r.i.ID, "err", derr)
		}
		_, err = r.followUp(ctx, msg, true)
	}
	if err != nil {
		r.log.Warn("could not show error to user", "interaction_id", r.i.ID, "err", err)
	}
}
