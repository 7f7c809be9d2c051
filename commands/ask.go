package commands

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/render"
	"github.com/secbrief/secbrief/summarizer"
)

// errNotBotThread is returned for a question asked outside the bot's threads.
var errNotBotThread = &UserError{Msg: "Ask follow-up questions in the thread I open under a summary or a digest: run `/ask` there, or mention me in it."}

// askCommand handles /ask question: in one of the bot's threads.
func (r *Router) askCommand(ctx context.Context, rep *reply) error {
	var question string
	for _, o := range rep.i.ApplicationCommandData().Options {
		if o.Name == "question" {
			question = strings.TrimSpace(o.StringValue())
		}
	}
	if question == "" {
		return userErrorf("Your question is empty.")
	}
	if utf8.RuneCountInString(question) > maxQuestionRunes {
		return userErrorf("Your question is too long (at most %d characters).", maxQuestionRunes)
	}
	thread, ok, err := r.store.Thread(ctx, rep.i.ChannelID)
	if err != nil {
		return fmt.Errorf("look up thread %s: %w", rep.i.ChannelID, err)
	}
	if !ok {
		return errNotBotThread
	}
	if err := r.allowQuestion(ctx, userID(rep.i), thread.ID); err != nil {
		return err
	}
	if err := r.deferLLMWork(ctx, rep, false); err != nil {
		return err
	}
	answer, allowed, err := r.answer(summarizer.WithGuild(ctx, payer(rep.i)), thread, userID(rep.i), question)
	if err != nil {
		return err
	}
	if err := rep.deliverParts(answerParts(formatAnswer(question, answer), allowed), false); err != nil {
		return fmt.Errorf("send answer: %w", err)
	}
	return nil
}

// answerParts sanitizes and splits an answer into messages; never empty.
func answerParts(text string, allowed func(string) bool) []string {
	parts := render.Answer(text, allowed)
	if len(parts) == 0 {
		parts = []string{"I have no answer to that."}
	}
	return parts
}

// formatAnswer quotes the question above the answer, so the thread reads
// well for people who did not see the /ask invocation.
func formatAnswer(question, answer string) string {
	q := strings.Join(strings.Fields(question), " ")
	return "> " + q + "\n\n" + answer
}

// allowQuestion applies the per-user and per-thread limits.
func (r *Router) allowQuestion(ctx context.Context, user, threadID string) error {
	if err := r.allow(r.askLimit, user); err != nil {
		return err
	}
	if r.opts.ThreadTurnsPerHour > 0 {
		n, err := r.store.TurnsSince(ctx, threadID, r.opts.Now().Add(-time.Hour))
		if err != nil {
			return fmt.Errorf("count turns: %w", err)
		}
		if n >= r.opts.ThreadTurnsPerHour {
			return userErrorf("This thread has had %d questions in the last hour, the most I answer; try again later.", n)
		}
	}
	return nil
}

// answer builds the question from the thread's articles, their summaries
// and the earlier turns, asks the summarizer and records the turn. It also
// returns which URLs the answer may show: those of the articles.
func (r *Router) answer(ctx context.Context, t news.Thread, user, question string) (string, func(string) bool, error) {
	ctx, cancel := context.WithTimeout(ctx, r.opts.WorkTimeout)
	defer cancel()
	q := summarizer.Question{Text: question, UserID: user}
	for _, h := range t.ArticleHashes {
		a, ok, err := r.store.Article(ctx, h)
		if err != nil {
			return "", nil, fmt.Errorf("load article %s: %w", h, err)
		}
		if !ok {
			continue
		}
		src := summarizer.Source{Article: a}
		if s, ok, err := r.summarizer.Cached(ctx, a); err == nil && ok {
			src.Summary = s
		}
		q.Sources = append(q.Sources, src)
	}
	if len(q.Sources) == 0 {
		return "", nil, userErrorf("I no longer have the article text for this thread, so I can't answer from it.")
	}
	turns, err := r.store.Turns(ctx, t.ID, r.opts.TurnWindow)
	if err != nil {
		return "", nil, fmt.Errorf("load turns: %w", err)
	}
	q.Turns = turns
	ans, err := r.summarizer.Answer(ctx, q)
	if err != nil {
		return "", nil, err
	}
	if err := r.store.AddTurn(ctx, t.ID, news.Turn{UserID: user, Question: question, Answer: ans, At: r.opts.Now()}); err != nil {
		r.log.Error("record turn", "thread_id", t.ID, "err", err)
	}
	var texts, urls []string
	for _, src := range q.Sources {
		texts = append(texts, src.Article.Text)
		urls = append(urls, src.Article.URL)
	}
	return ans, render.URLsFrom(strings.Join(texts, "\n"), urls...), nil
}

// HandleMessage answers a message in one of the bot's threads that mentions
// the bot (or any message there, with the Message Content intent). Messages
// from bots never reach it (the bot filters them), and it ignores its own.
func (r *Router) HandleMessage(ctx context.Context, m *discordgo.Message) error {
	self := r.self()
	if m.Author == nil || m.Author.Bot || m.Author.ID == self || m.GuildID == "" {
		return nil
	}
	mentioned := false
	for _, u := range m.Mentions {
		if u != nil && u.ID == self {
			mentioned = true
		}
	}
	if !mentioned && !r.opts.MessageContent {
		return nil
	}
	if m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply {
		return nil
	}
	thread, ok, err := r.store.Thread(ctx, m.ChannelID)
	if err != nil {
		return fmt.Errorf("look up thread %s: %w", m.ChannelID, err)
	}
	if !ok {
		return nil // not one of ours: stay quiet
	}
	question := stripMention(m.Content, self)
	if question == "" {
		if !mentioned {
			return nil
		}
		return r.replyTo(ctx, m, "Ask me a question about the article after the mention, e.g. “which versions are affected?”")
	}
	if utf8.RuneCountInString(question) > maxQuestionRunes {
		return r.replyTo(ctx, m, fmt.Sprintf("That question is too long (at most %d characters).", maxQuestionRunes))
	}
	err = r.allowQuestion(ctx, m.Author.ID, thread.ID)
	if err == nil {
		err = r.checkBudget(ctx, m.GuildID)
	}
	if err != nil {
		if !isRefusal(err) {
			return err
		}
		if !mentioned {
			// Plain messages (Message Content intent) over a limit are
			// left alone rather than flooding the thread with refusals.
			r.log.Debug("question over a limit ignored", "message_id", m.ID, "reason", err)
			return nil
		}
		return r.replyTo(ctx, m, UserMessage(err))
	}
	_ = r.discord.ChannelTyping(m.ChannelID, discordgo.WithContext(ctx))
	ans, allowed, err := r.answer(summarizer.WithGuild(ctx, m.GuildID), thread, m.Author.ID, question)
	if err != nil {
		if rerr := r.replyTo(ctx, m, UserMessage(err)); rerr != nil {
			r.log.Warn("reply with error", "message_id", m.ID, "err", rerr)
		}
		return err
	}
	for _, part := range answerParts(ans, allowed) {
		if err := r.replyTo(ctx, m, part); err != nil {
			return err
		}
	}
	return nil
}

// replyTo answers m with a reply that pings no one, not even its author.
func (r *Router) replyTo(ctx context.Context, m *discordgo.Message, content string) error {
	_, err := r.discord.ChannelMessageSendComplex(m.ChannelID, &discordgo.MessageSend{
		Content:         render.Truncate(content, render.MaxContent),
		Reference:       &discordgo.MessageReference{MessageID: m.ID, ChannelID: m.ChannelID, GuildID: m.GuildID, FailIfNotExists: new(false)},
		AllowedMentions: render.NoMentions(),
	}, discordgo.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("reply to %s: %w", m.ID, err)
	}
	return nil
}

// stripMention removes mentions of the bot from the question text.
func stripMention(content, self string) string {
	if self != "" {
		content = strings.NewReplacer("<@"+self+">", " ", "<@!"+self+">", " ").Replace(content)
	}
	return strings.TrimSpace(content)
}
