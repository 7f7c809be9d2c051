package commands

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/render"
	"github.com/secbrief/secbrief/summarizer"
)

// errNotBotThread is returned for a question asked outside the bot's threads.
var errNotBotThread = &UserError{Msg: "Ask follow-up questions in the thread I open under a summary or a digest: run `/ask` there, or mention me in it."}

// msgNoAnswer stands for an answer with nothing left to show.
const msgNoAnswer = "I have no answer to that."

// askEntry is /ask question:, in one of the bot's threads: the answer comes
// later, from the thread's articles, summaries and earlier turns.
func (t *Table) askEntry() bot.Command {
	return bot.Command{Definition: askDefinition(), MayDefer: true, Handle: t.ask}
}

// ask handles /ask question:.
func (t *Table) ask(ctx context.Context, req bot.Request) (bot.Response, error) {
	question := req.String("question")
	if question == "" {
		return bot.Response{}, userErrorf("Your question is empty.")
	}
	if utf8.RuneCountInString(question) > maxQuestionRunes {
		return bot.Response{}, userErrorf("Your question is too long (at most %d characters).", maxQuestionRunes)
	}
	thread, ok, err := t.store.Thread(ctx, req.ChannelID)
	if err != nil {
		return bot.Response{}, fmt.Errorf("look up thread %s: %w", req.ChannelID, err)
	}
	if !ok {
		return bot.Response{}, errNotBotThread
	}
	if err := t.allowQuestion(ctx, req.UserID, thread.ID); err != nil {
		return bot.Response{}, err
	}
	pays := payer(req)
	if err := t.checkBudget(ctx, pays); err != nil {
		return bot.Response{}, err
	}
	return bot.Response{Later: func(ctx context.Context) (bot.Response, error) {
		ans, allowed, err := t.answer(summarizer.WithGuild(ctx, pays), thread, req.UserID, question)
		if err != nil {
			return bot.Response{}, budgetError(pays, err)
		}
		return bot.Response{Content: answerText(formatAnswer(question, ans), allowed)}, nil
	}}, nil
}

// answerText sanitizes an answer for posting; never empty.
func answerText(text string, allowed func(string) bool) string {
	text = strings.TrimSpace(render.Sanitize(text, allowed))
	if text == "" {
		return msgNoAnswer
	}
	return text
}

// formatAnswer quotes the question above the answer, so the thread reads
// well for people who did not see the /ask invocation.
func formatAnswer(question, answer string) string {
	q := strings.Join(strings.Fields(question), " ")
	return "> " + q + "\n\n" + answer
}

// allowQuestion applies the per-user and per-thread limits.
func (t *Table) allowQuestion(ctx context.Context, user, threadID string) error {
	if err := t.allow(t.askLimit, user); err != nil {
		return err
	}
	if t.opts.ThreadTurnsPerHour > 0 {
		n, err := t.store.TurnsSince(ctx, threadID, t.opts.Now().Add(-time.Hour))
		if err != nil {
			return fmt.Errorf("count turns: %w", err)
		}
		if n >= t.opts.ThreadTurnsPerHour {
			return userErrorf("This thread has had %d questions in the last hour, the most I answer; try again later.", n)
		}
	}
	return nil
}

// answer builds the question from the thread's articles, their summaries
// and the earlier turns, asks the summarizer and records the turn. It also
// returns which URLs the answer may show: those of the articles.
func (t *Table) answer(ctx context.Context, th news.Thread, user, question string) (string, func(string) bool, error) {
	ctx, cancel := context.WithTimeout(ctx, t.opts.WorkTimeout)
	defer cancel()
	q := summarizer.Question{Text: question, UserID: user}
	for _, h := range th.ArticleHashes {
		a, ok, err := t.store.Article(ctx, h)
		if err != nil {
			return "", nil, fmt.Errorf("load article %s: %w", h, err)
		}
		if !ok {
			continue
		}
		src := summarizer.Source{Article: a}
		if s, ok, err := t.summarizer.Cached(ctx, a); err == nil && ok {
			src.Summary = s
		}
		q.Sources = append(q.Sources, src)
	}
	if len(q.Sources) == 0 {
		return "", nil, userErrorf("I no longer have the article text for this thread, so I can't answer from it.")
	}
	turns, err := t.store.Turns(ctx, th.ID, t.opts.TurnWindow)
	if err != nil {
		return "", nil, fmt.Errorf("load turns: %w", err)
	}
	q.Turns = turns
	ans, err := t.summarizer.Answer(ctx, q)
	if err != nil {
		return "", nil, err
	}
	if err := t.store.AddTurn(ctx, th.ID, news.Turn{UserID: user, Question: question, Answer: ans, At: t.opts.Now()}); err != nil {
		t.log.Error("record turn", "thread_id", th.ID, "err", err)
	}
	var texts, urls []string
	for _, src := range q.Sources {
		texts = append(texts, src.Article.Text)
		urls = append(urls, src.Article.URL)
	}
	return ans, render.URLsFrom(strings.Join(texts, "\n"), urls...), nil
}
