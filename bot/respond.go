package bot

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/render"
)

// deferAfter is how long the handler of a command that may defer runs
// before the bot defers for it, well within Discord's 3 seconds.
const deferAfter = 1500 * time.Millisecond

// msgUnknownCommand answers an interaction no command of the table takes.
const msgUnknownCommand = "I don't know that command. The bot may have been updated; try again in a minute."

// errModalTooLate is a modal answered after a deferral: Discord only takes
// a modal as the first response.
var errModalTooLate = errors.New("a modal can only be the first response")

// table routes interactions to the commands.
type table struct {
	byName map[string]Command
	modals []Command
	defs   []*discordgo.ApplicationCommand
}

// newTable indexes cmds by name and modal id.
func newTable(cmds []Command) table {
	t := table{byName: make(map[string]Command, len(cmds))}
	for _, c := range cmds {
		if c.Definition != nil {
			t.byName[c.Definition.Name] = c
			t.defs = append(t.defs, c.Definition)
		}
		if c.ModalID != "" {
			t.modals = append(t.modals, c)
		}
	}
	return t
}

// route finds the command that takes i.
func (t table) route(i *discordgo.Interaction, req Request) (Command, bool) {
	switch i.Type {
	case discordgo.InteractionApplicationCommand, discordgo.InteractionApplicationCommandAutocomplete:
		c, ok := t.byName[req.Name]
		return c, ok
	case discordgo.InteractionModalSubmit:
		for _, c := range t.modals {
			if c.opensModal(req.CustomID) {
				return c, true
			}
		}
	}
	return Command{}, false
}

// handleInteraction answers one interaction with its command, and shows
// the command's error to the user. A returned error is for the log; a
// refusal (the user's own mistake, a rate limit) is logged at info level
// and not returned.
func (b *Bot) handleInteraction(ctx context.Context, i *discordgo.Interaction) error {
	if i.Type == discordgo.InteractionPing {
		return nil
	}
	req := newRequest(i)
	name := req.Name
	if req.CustomID != "" {
		name = req.CustomID
	}
	rep := &reply{ctx: ctx, client: b.client, i: i, log: b.log, encoded: b.encoded, answered: b.pending.begin()}
	defer rep.answered()
	cmd, ok := b.table.route(i, req)
	if !ok {
		rep.fail(msgUnknownCommand)
		b.log.Info("request refused", "command", name, "interaction_id", i.ID, "reason", "unknown command")
		return nil
	}
	if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
		return b.autocomplete(ctx, rep, cmd, req)
	}
	err := b.respond(ctx, rep, cmd, req)
	if err == nil {
		return nil
	}
	rep.fail(b.handler.UserMessage(err))
	if b.handler.Refused(err) {
		b.log.Info("request refused", "command", name, "interaction_id", i.ID, "reason", err)
		return nil
	}
	return fmt.Errorf("%s: %w", name, err)
}

// respond runs the command and delivers its answer: at once, or after a
// deferral when the command returned work for later (or took too long).
func (b *Bot) respond(ctx context.Context, rep *reply, cmd Command, req Request) error {
	resp, err := b.handle(ctx, rep, cmd, req)
	for err == nil && resp.Later != nil {
		if !cmd.MayDefer {
			return fmt.Errorf("command %s returned work for later but does not declare MayDefer", cmd.name())
		}
		if err := rep.deferOnce(cmd.private(req)); err != nil {
			return fmt.Errorf("defer: %w", err)
		}
		resp, err = resp.Later(ctx)
	}
	if err != nil {
		return err
	}
	return b.deliver(ctx, rep, resp, req)
}

// handle runs the command's Handle; for a command that may defer, a timer
// defers for it when it runs longer than deferAfter.
func (b *Bot) handle(ctx context.Context, rep *reply, cmd Command, req Request) (Response, error) {
	if cmd.MayDefer {
		t := time.AfterFunc(deferAfter, func() {
			if err := rep.deferOnce(cmd.private(req)); err != nil {
				b.log.Warn("defer a slow command", "command", cmd.name(), "interaction_id", req.InteractionID, "err", err)
			}
		})
		defer t.Stop()
	}
	return cmd.Handle(ctx, req)
}

// deliver sends a Response: a modal, or a message whose content continues
// in follow-ups when longer than one message, then its thread.
func (b *Bot) deliver(ctx context.Context, rep *reply, resp Response, req Request) error {
	if resp.Modal != nil {
		if responded, _, _ := rep.state(); responded {
			return errModalTooLate
		}
		if err := rep.modal(resp.Modal); err != nil {
			return fmt.Errorf("open modal: %w", err)
		}
		return nil
	}
	parts := messageParts(resp.Content, len(resp.Embeds) > 0)
	msg, err := rep.deliver(parts[0], resp.Embeds, resp.Private)
	if err != nil {
		return fmt.Errorf("send answer: %w", err)
	}
	for _, p := range parts[1:] {
		if _, err := rep.followUp(ctx, p, resp.Private); err != nil {
			return fmt.Errorf("send follow-up: %w", err)
		}
	}
	if resp.Private || req.GuildID == "" {
		return nil
	}
	if resp.Delivered != nil {
		// Fetched here when Discord did not name it, and handed to the
		// thread: one fetch (and one warning when it fails) for both.
		if msg = b.answerMessage(ctx, rep, msg); msg == nil {
			return nil
		}
		resp.Delivered(ctx, msg.ID)
	}
	if resp.Thread != nil {
		b.openThread(ctx, rep, msg, resp.Thread)
	}
	return nil
}

// answerMessage returns the answer msg, fetching the original response
// when Discord did not name it (nil msg, or one without an id). A failed
// fetch is logged and answers nil: what needed the message is skipped,
// the answer itself was delivered.
func (b *Bot) answerMessage(ctx context.Context, rep *reply, msg *discordgo.Message) *discordgo.Message {
	if msg != nil && msg.ID != "" {
		return msg
	}
	msg, err := b.client.InteractionResponse(rep.i, discordgo.WithContext(ctx))
	if err != nil {
		b.log.Warn("fetch answer message", "interaction_id", rep.i.ID, "err", err)
		return nil
	}
	return msg
}

// messageParts splits content into messages: one when it fits (as is),
// else at paragraph and line ends. Never empty.
func messageParts(content string, embeds bool) []string {
	if utf8.RuneCountInString(content) <= render.MaxContent {
		if content == "" && !embeds {
			content = "(nothing)"
		}
		return []string{content}
	}
	return render.Split(content, render.MaxContent)
}

// autocomplete answers an autocomplete interaction with the command's
// choices.
func (b *Bot) autocomplete(ctx context.Context, rep *reply, cmd Command, req Request) error {
	var choices []*discordgo.ApplicationCommandOptionChoice
	if cmd.Autocomplete != nil {
		var err error
		if choices, err = cmd.Autocomplete(ctx, req); err != nil {
			return fmt.Errorf("autocomplete %s: %w", cmd.name(), err)
		}
	}
	err := b.client.InteractionRespond(rep.i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: choices, AllowedMentions: render.NoMentions()},
	}, discordgo.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("autocomplete %s: %w", cmd.name(), err)
	}
	return nil
}
