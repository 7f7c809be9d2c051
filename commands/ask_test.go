package commands

import (
	"context"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/internal/fakellm"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/summarizer"
)

// botThread records a summary thread, thread-1, on the advisory, and
// returns its article.
func botThread(t *testing.T, e *env) news.Article {
	t.Helper()
	ctx := t.Context()
	a := news.Article{URL: advisoryLink, Title: "Acme Gateway flaw", Text: advisoryText}
	if err := e.st.PutArticle(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := e.st.PutThread(ctx, news.Thread{ID: "thread-1", GuildID: "guild-1", ChannelID: "channel-1", Kind: news.ThreadSummary,
		ArticleHashes: []string{a.Hash()}, CreatedAt: testNow}); err != nil {
		t.Fatal(err)
	}
	return a
}

// askIn is /ask question: in channel.
func askIn(channel, question string) bot.Request {
	req := inGuild(cmdAsk, map[string]any{"question": question})
	req.ChannelID = channel
	return req
}

// TestAsk: /ask in and out of the bot's threads, request in, response or
// error out.
func TestAsk(t *testing.T) {
	tests := []struct {
		name    string
		req     bot.Request
		opts    Options
		turns   int // earlier questions in the thread this hour
		reply   string
		want    string // in the answer
		userMsg string
	}{
		{name: "answered from the article, quoting the question", req: askIn("thread-1", "Which  versions?"),
			reply: "Versions 7.0 to 7.2, see " + advisoryLink + " and https://evil.example/x", want: "> Which versions?\n\nVersions 7.0 to 7.2, see " + advisoryLink},
		{name: "empty question", req: askIn("thread-1", " "), userMsg: "Your question is empty."},
		{name: "question too long", req: askIn("thread-1", strings.Repeat("a", maxQuestionRunes+1)), userMsg: "Your question is too long (at most 1000 characters)."},
		{name: "outside the bot's threads", req: askIn("channel-9", "Which versions?"), userMsg: errNotBotThread.Msg},
		{name: "thread over its hourly questions", req: askIn("thread-1", "Which versions?"), opts: Options{ThreadTurnsPerHour: 2}, turns: 2,
			userMsg: "This thread has had 2 questions in the last hour, the most I answer; try again later."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts)
			botThread(t, e)
			for range tt.turns {
				if err := e.st.AddTurn(t.Context(), "thread-1", news.Turn{UserID: "u", Question: "q", Answer: "a", At: testNow}); err != nil {
					t.Fatal(err)
				}
			}
			if tt.reply != "" {
				e.llm.Enqueue(fakellm.Reply(tt.reply))
			}
			r := run(t.Context(), e.t.ask, tt.req)
			if tt.userMsg != "" {
				if r.err == nil || UserMessage(r.err) != tt.userMsg || r.deferred {
					t.Fatalf("result %+v (%q), want %q before any deferral", r, UserMessage(r.err), tt.userMsg)
				}
				return
			}
			if r.err != nil || !r.deferred || r.resp.Private {
				t.Fatalf("result %+v, want a public answer after a deferral", r)
			}
			if !strings.Contains(r.resp.Content, tt.want) || strings.Contains(r.resp.Content, "evil.example") {
				t.Errorf("answer %q, want %q and no link from outside the article", r.resp.Content, tt.want)
			}
			turns, err := e.st.Turns(t.Context(), "thread-1", 10)
			if err != nil || len(turns) != tt.turns+1 {
				t.Errorf("turns %+v, %v; want the question recorded", turns, err)
			}
		})
	}
}

// TestAskWithoutArticleText: a thread whose article is gone is told so.
func TestAskWithoutArticleText(t *testing.T) {
	e := newEnv(t, Options{})
	if err := e.st.PutThread(t.Context(), news.Thread{ID: "thread-1", GuildID: "guild-1", Kind: news.ThreadSummary,
		ArticleHashes: []string{"gone"}, CreatedAt: testNow}); err != nil {
		t.Fatal(err)
	}
	r := run(t.Context(), e.t.ask, askIn("thread-1", "Which versions?"))
	if !isUserError(r.err, "I no longer have the article text for this thread, so I can't answer from it.") {
		t.Fatalf("result %+v", r)
	}
}

// TestAskSummarizerFails: the summarizer's error reaches the bot.
func TestAskSummarizerFails(t *testing.T) {
	e := newEnv(t, Options{})
	botThread(t, e)
	e.llm.Enqueue(fakellm.QuotaExceeded())
	if r := run(t.Context(), e.t.ask, askIn("thread-1", "Which versions?")); UserMessage(r.err) != UserMessage(summarizer.ErrQuota) {
		t.Fatalf("result %+v, want the quota error", r)
	}
}

// TestHandleMessageAnswers: mentions of the bot in its threads are
// answered later, in replies; what is not a question is told so or left.
func TestHandleMessageAnswers(t *testing.T) {
	mention := []*discordgo.User{{ID: "42"}}
	msg := func(content string, mentions []*discordgo.User) *discordgo.Message {
		return &discordgo.Message{ID: "m-1", GuildID: "guild-1", ChannelID: "thread-1", Author: &discordgo.User{ID: "7"}, Mentions: mentions, Content: content}
	}
	tests := []struct {
		name     string
		m        *discordgo.Message
		opts     Options
		later    bool
		want     string // the reply, "" for none
		userMsg  string
		refusals int // questions asked before, to reach the limit
	}{
		{name: "a mention with a question", m: msg("<@42> which versions?", mention), later: true, want: "This is a fake answer."},
		{name: "a plain question with the content intent", m: msg("which versions?", nil), opts: Options{MessageContent: true}, later: true, want: "This is a fake answer."},
		{name: "a mention without a question", m: msg("<@!42>", mention), want: "Ask me a question about the article after the mention"},
		{name: "plain text without a question", m: msg(" ", nil), opts: Options{MessageContent: true}},
		{name: "a question too long", m: msg("<@42> "+strings.Repeat("a", maxQuestionRunes+1), mention), want: "That question is too long"},
		{name: "not one of our threads", m: &discordgo.Message{GuildID: "guild-1", ChannelID: "channel-9", Author: &discordgo.User{ID: "7"}, Mentions: mention, Content: "<@42> hi"}},
		{name: "a mention over the limit", m: msg("<@42> which versions?", mention), opts: Options{AskPerUserPerMinute: 1}, refusals: 1,
			userMsg: "You're going a bit fast. Try again in 60 s."},
		{name: "a plain question over the limit", m: msg("which versions?", nil), opts: Options{AskPerUserPerMinute: 1, MessageContent: true}, refusals: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts)
			e.t.SetSelf("42")
			botThread(t, e)
			for range tt.refusals {
				e.t.askLimit.Allow("7")
			}
			resp, err := e.t.HandleMessage(t.Context(), tt.m)
			if tt.userMsg != "" {
				if err == nil || UserMessage(err) != tt.userMsg || !e.t.Refused(err) {
					t.Fatalf("%+v, %v (%q), want the refusal %q", resp, err, UserMessage(err), tt.userMsg)
				}
				return
			}
			if err != nil || (resp.Later != nil) != tt.later {
				t.Fatalf("%+v, %v; want later %v", resp, err, tt.later)
			}
			if resp.Later != nil {
				if resp, err = resp.Later(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			if !strings.Contains(resp.Content, tt.want) || (tt.want == "") != (resp.Content == "") {
				t.Errorf("reply %q, want %q", resp.Content, tt.want)
			}
		})
	}
}

// TestAnswerTextNeverEmpty: an answer with nothing left after sanitizing
// still says something.
func TestAnswerTextNeverEmpty(t *testing.T) {
	if got := answerText(" \n ", nil); got != msgNoAnswer {
		t.Errorf("answerText(blank) = %q, want %q", got, msgNoAnswer)
	}
}
