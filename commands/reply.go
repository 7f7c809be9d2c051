package commands

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/render"
)

// reply tracks how an interaction has been answered so far, so errors are
// shown the right way: a fresh ephemeral response; after a public deferral
// a deleted placeholder and an ephemeral follow-up; and after an answer was
// delivered, an ephemeral follow-up that leaves the answer alone.
type reply struct {
	ctx context.Context
	d   Discord
	i   *discordgo.Interaction
	log *slog.Logger

	// answered is called once the first response was sent (or the
	// handler ended without one).
	answered func()

	mu        sync.Mutex
	responded bool // a response (deferred or not) was sent
	ephemeral bool // the response is ephemeral
	delivered bool // content the user should keep was sent
}

// newReply starts tracking the answer to i.
func newReply(ctx context.Context, d Discord, i *discordgo.Interaction, logger *slog.Logger) *reply {
	return &reply{ctx: ctx, d: d, i: i, log: logger, answered: func() {}}
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
	if err := r.d.InteractionRespond(r.i, resp, discordgo.WithContext(r.ctx)); err != nil {
		return err
	}
	r.respondedWith(ephemeral)
	return nil
}

// send answers with a message: directly when nothing was sent yet, else by
// editing the deferred original. It returns the message when Discord
// returned one.
func (r *reply) send(content string, embeds []*discordgo.MessageEmbed, ephemeral bool) (*discordgo.Message, error) {
	return r.sendCtx(r.ctx, content, embeds, ephemeral)
}

func (r *reply) sendCtx(ctx context.Context, content string, embeds []*discordgo.MessageEmbed, ephemeral bool) (*discordgo.Message, error) {
	r.mu.Lock()
	responded := r.responded
	r.mu.Unlock()
	if !responded {
		resp := directResponse(content, embeds, ephemeral)
		if err := r.d.InteractionRespond(r.i, resp, discordgo.WithContext(ctx)); err != nil {
			return nil, err
		}
		r.respondedWith(ephemeral)
		return nil, nil
	}
	if embeds == nil {
		embeds = []*discordgo.MessageEmbed{}
	}
	edit := &discordgo.WebhookEdit{Content: &content, Embeds: &embeds, AllowedMentions: render.NoMentions()}
	return r.d.InteractionResponseEdit(r.i, edit, discordgo.WithContext(ctx))
}

// respondedWith records that the initial response was sent.
func (r *reply) respondedWith(ephemeral bool) {
	r.mu.Lock()
	r.responded, r.ephemeral = true, ephemeral
	r.mu.Unlock()
	r.answered()
}

// directResponse is the initial response that answers with a message at
// once (type 4).
func directResponse(content string, embeds []*discordgo.MessageEmbed, ephemeral bool) *discordgo.InteractionResponse {
	data := &discordgo.InteractionResponseData{Content: content, Embeds: embeds, AllowedMentions: render.NoMentions()}
	if ephemeral {
		data.Flags = discordgo.MessageFlagsEphemeral
	}
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: data}
}

// encodeResponse encodes resp as discordgo would send it; nil if it
// cannot be encoded.
func encodeResponse(resp *discordgo.InteractionResponse) []byte {
	body, err := discordgo.Marshal(resp)
	if err != nil {
		return nil
	}
	return body
}

// deliverAnswer delivers a summary: as its pre-encoded initial response
// when nothing was sent yet, else by editing the deferred original. The
// message it returns may carry only its id and channel.
func (r *reply) deliverAnswer(ans answer, private bool) (*discordgo.Message, error) {
	body := ans.direct[0]
	if private {
		body = ans.direct[1]
	}
	r.mu.Lock()
	responded := r.responded
	r.mu.Unlock()
	if responded || body == nil {
		return r.deliver("", []*discordgo.MessageEmbed{ans.embed}, private)
	}
	id, err := r.d.InteractionRespondJSON(r.i, body, discordgo.WithContext(r.ctx))
	if err != nil {
		return nil, err
	}
	r.respondedWith(private)
	r.mu.Lock()
	r.delivered = true
	r.mu.Unlock()
	if id == "" {
		return nil, nil
	}
	return &discordgo.Message{ID: id, ChannelID: r.i.ChannelID, GuildID: r.i.GuildID}, nil
}

// deliver sends the answer proper (see send) and remembers that it must
// not be taken back by a later error.
func (r *reply) deliver(content string, embeds []*discordgo.MessageEmbed, ephemeral bool) (*discordgo.Message, error) {
	m, err := r.send(content, embeds, ephemeral)
	if err == nil {
		r.mu.Lock()
		r.delivered = true
		r.mu.Unlock()
	}
	return m, err
}

// deliverLong delivers text that may be longer than one message: the
// first part answers, the rest follow.
func (r *reply) deliverLong(text string, ephemeral bool) error {
	parts := render.Split(text, render.MaxContent)
	if len(parts) == 0 {
		parts = []string{"(nothing)"}
	}
	return r.deliverParts(parts, ephemeral)
}

// deliverParts delivers messages in order: the first answers, the rest
// follow. parts must not be empty.
func (r *reply) deliverParts(parts []string, ephemeral bool) error {
	if _, err := r.deliver(parts[0], nil, ephemeral); err != nil {
		return err
	}
	for _, p := range parts[1:] {
		if _, err := r.followUp(r.ctx, p, ephemeral); err != nil {
			return err
		}
	}
	return nil
}

// followUp posts one more message after the first response.
func (r *reply) followUp(ctx context.Context, content string, ephemeral bool) (*discordgo.Message, error) {
	p := &discordgo.WebhookParams{Content: content, AllowedMentions: render.NoMentions()}
	if ephemeral {
		p.Flags = discordgo.MessageFlagsEphemeral
	}
	return r.d.FollowupMessageCreate(r.i, true, p, discordgo.WithContext(ctx))
}

// fail shows err's user message ephemerally. After a public deferral the
// "thinking" placeholder is deleted and the message goes in an ephemeral
// follow-up, so a failure is only shown to the person who asked; after an
// answer was delivered it is left alone. fail works after the handler's
// context ended (shutdown), within a few seconds of its own.
func (r *reply) fail(err error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), 5*time.Second)
	defer cancel()
	msg := render.Truncate(UserMessage(err), render.MaxContent)
	r.mu.Lock()
	responded, ephemeral, delivered := r.responded, r.ephemeral, r.delivered
	r.mu.Unlock()
	var sendErr error
	switch {
	case !responded:
		_, sendErr = r.sendCtx(ctx, msg, nil, true)
	case delivered:
		_, sendErr = r.followUp(ctx, msg, true)
	case ephemeral:
		_, sendErr = r.sendCtx(ctx, msg, nil, true)
	default:
		if derr := r.d.InteractionResponseDelete(r.i, discordgo.WithContext(ctx)); derr != nil && r.log != nil {
			r.log.Warn("delete placeholder", "interaction_id", r.i.ID, "err", derr)
		}
		_, sendErr = r.followUp(ctx, msg, true)
	}
	if sendErr != nil && r.log != nil {
		r.log.Warn("could not show error to user", "interaction_id", r.i.ID, "err", sendErr)
	}
}
