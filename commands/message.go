package commands

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/summarizer"
)

// HandleMessage answers a message in one of the bot's threads that mentions
// the bot (or any message there, with the Message Content intent): the
// answer comes later, in replies. Messages from bots never reach it (the
// bot filters them), and it ignores its own. An empty Response leaves the
// message unanswered; an error is answered with its UserMessage.
func (t *Table) HandleMessage(ctx context.Context, m *discordgo.Message) (bot.Response, error) {
	self := t.self()
	if m.Author == nil || m.Author.Bot || m.Author.ID == self || m.GuildID == "" {
		return bot.Response{}, nil
	}
	mentioned := false
	for _, u := range m.Mentions {
		if u != nil && u.ID == self {
			mentioned = true
		}
	}
	if !mentioned && !t.opts.MessageContent {
		return bot.Response{}, nil
	}
	if m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply {
		return bot.Response{}, nil
	}
	thread, ok, err := t.store.Thread(ctx, m.ChannelID)
	if err != nil {
		return bot.Response{}, fmt.Errorf("look up thread %s: %w", m.ChannelID, err)
	}
	if !ok {
		return bot.Response{}, nil // not one of ours: stay quiet
	}
	question := stripMention(m.Content, self)
	if question == "" {
		if !mentioned {
			return bot.Response{}, nil
		}
		return bot.Response{Content: "Ask me a question about the article after the mention, e.g. “which versions are affected?”"}, nil
	}
	if utf8.RuneCountInString(question) > maxQuestionRunes {
		return bot.Response{Content: fmt.Sprintf("That question is too long (at most %d characters).", maxQuestionRunes)}, nil
	}
	err = t.allowQuestion(ctx, m.Author.ID, thread.ID)
	if err == nil {
		err = t.checkBudget(ctx, m.GuildID)
	}
	if err != nil {
		if t.Refused(err) && !mentioned {
			// Plain messages (Message Content intent) over a limit are
			// left alone rather than flooding the thread with refusals.
			t.log.Debug("question over a limit ignored", "message_id", m.ID, "reason", err)
			return bot.Response{}, nil
		}
		return bot.Response{}, err
	}
	return bot.Response{Later: func(ctx context.Context) (bot.Response, error) {
		ans, allowed, err := t.answer(summarizer.WithGuild(ctx, m.GuildID), thread, m.Author.ID, question)
		if err != nil {
			return bot.Response{}, budgetError(m.GuildID, err)
		}
		return bot.Response{Content: answerText(ans, allowed)}, nil
	}}, nil
}

// stripMention removes mentions of the bot from the question text.
func stripMention(content, self string) string {
	if self != "" {
		content = strings.NewReplacer("<@"+self+">", " ", "<@!"+self+">", " ").Replace(content)
	}
	return strings.TrimSpace(content)
}
