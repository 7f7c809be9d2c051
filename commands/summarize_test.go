package commands

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/article"
	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/news"
)

const advisoryLink = "https://example.com/advisory"

// TestSummarize: /summarize, its modal and the Summarize message command,
// request in, response or error out.
func TestSummarize(t *testing.T) {
	longText := "Acme Gateway flaw\n" + strings.Repeat(advisoryText+" ", 5)
	tests := []struct {
		name     string
		req      bot.Request
		opts     Options
		deferred bool   // the answer needs a deferral
		embed    string // the summary's title, "" for none
		thread   bool
		modal    string // the modal's custom id
		userMsg  string // what the user is told of the error
		refused  bool
	}{
		{name: "no link opens the text modal", req: inGuild(cmdSummarize, nil), modal: modalSummarizeText},
		{name: "private without a link opens the private modal", req: inGuild(cmdSummarize, map[string]any{"private": true}), modal: "summarize_text:private"},
		{name: "a link is fetched and summarized later, with a thread", req: inGuild(cmdSummarize, map[string]any{"url": advisoryLink}),
			opts: Options{AutoThread: true}, deferred: true, embed: "Fake summary", thread: true},
		{name: "no thread when threads are off", req: inGuild(cmdSummarize, map[string]any{"url": advisoryLink}), deferred: true, embed: "Fake summary"},
		{name: "a private summary has no thread", req: inGuild(cmdSummarize, map[string]any{"url": advisoryLink, "private": true}),
			opts: Options{AutoThread: true}, deferred: true, embed: "Fake summary"},
		{name: "no thread in a direct message", req: bot.Request{Name: cmdSummarize, UserID: "user-1", Options: map[string]any{"url": advisoryLink}},
			opts: Options{AutoThread: true}, deferred: true, embed: "Fake summary"},
		{name: "not a link", req: inGuild(cmdSummarize, map[string]any{"url": "not a link"}),
			userMsg: "That isn't a valid web link: give a full http:// or https:// URL.", refused: false},
		{name: "a private address", req: inGuild(cmdSummarize, map[string]any{"url": "http://10.0.0.1/admin"}),
			userMsg: "I can't fetch that link: it points to a private or local address."},
		{name: "pasted text is summarized later", req: bot.Request{Name: cmdSummarize, CustomID: modalSummarizeText, UserID: "user-1", GuildID: "guild-1",
			Fields: map[string]string{fieldArticleText: longText}}, deferred: true, embed: "Fake summary"},
		{name: "pasted text too short", req: bot.Request{Name: cmdSummarize, CustomID: modalSummarizeText, UserID: "user-1", GuildID: "guild-1",
			Fields: map[string]string{fieldArticleText: "too short"}}, userMsg: "That text is too short to summarize: paste the whole article, a few paragraphs at least."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts)
			r := run(t.Context(), e.t.summarize, tt.req)
			checkResult(t, e, r, tt.deferred, tt.embed, tt.thread, tt.userMsg)
			if got := r.resp.Modal; (got != nil) != (tt.modal != "") || got != nil && got.CustomID != tt.modal {
				t.Errorf("modal %+v, want %q", got, tt.modal)
			}
			if tt.embed != "" && r.resp.Private != tt.req.Bool("private") {
				t.Errorf("private %v, want %v", r.resp.Private, tt.req.Bool("private"))
			}
		})
	}
}

// checkResult checks a handler's result: deferred or not, the summary
// embed, the thread, or the error's user message.
func checkResult(t *testing.T, e *env, r result, deferred bool, embed string, thread bool, userMsg string) {
	t.Helper()
	if userMsg != "" {
		if r.err == nil || UserMessage(r.err) != userMsg {
			t.Fatalf("error %v (%q), want %q", r.err, UserMessage(r.err), userMsg)
		}
		return
	}
	if r.err != nil {
		t.Fatalf("error: %v", r.err)
	}
	if r.deferred != deferred {
		t.Errorf("deferred %v, want %v", r.deferred, deferred)
	}
	if embed == "" {
		return
	}
	if len(r.resp.Embeds) != 1 || r.resp.Embeds[0].Title != embed {
		t.Fatalf("embeds %+v, want the summary %q", r.resp.Embeds, embed)
	}
	if (r.resp.Thread != nil) != thread {
		t.Errorf("thread %+v, want %v", r.resp.Thread, thread)
	}
}

// TestSummarizeCachedLinkAnswersAtOnce: a link summarized before is
// answered without a deferral, a fetch or an LLM call: from memory, and
// from the store after a restart; both answers share one embed.
func TestSummarizeCachedLinkAnswersAtOnce(t *testing.T) {
	e := newEnv(t, Options{})
	req := inGuild(cmdSummarize, map[string]any{"url": advisoryLink})
	first := run(t.Context(), e.t.summarize, req)
	checkResult(t, e, first, true, "Fake summary", false, "")
	second := run(t.Context(), e.t.summarize, req)
	checkResult(t, e, second, false, "Fake summary", false, "")
	if first.resp.Embeds[0] != second.resp.Embeds[0] {
		t.Error("the cached answer renders its embed again")
	}
	restarted := New(e.sum, e.fetch, e.st, Options{}, e.t.log)
	checkResult(t, e, run(t.Context(), restarted.summarize, req), false, "Fake summary", false, "")
	if e.fetch.fetches != 1 || e.llm.Calls() != 1 {
		t.Errorf("%d fetches and %d LLM calls, want 1 each", e.fetch.fetches, e.llm.Calls())
	}
}

// TestSummarizeMapsTheLinkAsked: an article served from another URL (a
// redirect, a canonical link) is a cache hit for the link as asked.
func TestSummarizeMapsTheLinkAsked(t *testing.T) {
	e := newEnv(t, Options{})
	e.fetch.moved = map[string]string{advisoryLink: "https://example.com/canonical"}
	checkResult(t, e, run(t.Context(), e.t.summarize, inGuild(cmdSummarize, map[string]any{"url": advisoryLink})), true, "Fake summary", false, "")
	if _, ok, err := e.st.ArticleByURL(t.Context(), advisoryLink, e.t.opts.CacheMaxAge); err != nil || !ok {
		t.Errorf("the link asked is not mapped to its article: %v, %v", ok, err)
	}
}

// TestSummarizeFetchFails: a fetch error reaches the bot, said by kind.
func TestSummarizeFetchFails(t *testing.T) {
	e := newEnv(t, Options{})
	e.fetch.errs = map[string]error{advisoryLink: article.ErrTooLarge}
	r := run(t.Context(), e.t.summarize, inGuild(cmdSummarize, map[string]any{"url": advisoryLink}))
	if !errors.Is(r.err, article.ErrTooLarge) || !r.deferred {
		t.Fatalf("result %+v, want the fetch's error after a deferral", r)
	}
}

// TestSummarizeLimits: the per-user limit and the guild's token budget
// refuse before anything is deferred, and the bot logs them as refusals.
func TestSummarizeLimits(t *testing.T) {
	e := newEnv(t, Options{PerUserPerMinute: 1, GuildDailyTokens: 100})
	req := inGuild(cmdSummarize, map[string]any{"url": advisoryLink})
	if err := e.st.AddUsage(t.Context(), news.Usage{GuildID: "guild-1", Day: "2026-03-02", Model: "m", PromptTokens: 100}); err != nil {
		t.Fatal(err)
	}
	r := run(t.Context(), e.t.summarize, req)
	if r.err != errBudgetSpent || r.deferred || !e.t.Refused(r.err) {
		t.Errorf("over budget: %+v, want errBudgetSpent before any deferral", r)
	}
	r = run(t.Context(), e.t.summarize, req)
	var rl *RateLimitedError
	if !errors.As(r.err, &rl) || !e.t.Refused(r.err) {
		t.Errorf("second request in a minute: %v, want a rate limit", r.err)
	}
	text := bot.Request{Name: cmdSummarize, CustomID: modalSummarizeText, UserID: "user-1", GuildID: "guild-1",
		Fields: map[string]string{fieldArticleText: strings.Repeat(advisoryText+" ", 5)}}
	if r := run(t.Context(), e.t.summarize, text); !errors.As(r.err, &rl) {
		t.Errorf("pasted text over the limit: %v, want a rate limit", r.err)
	}
	other := text
	other.UserID = "user-2"
	if r := run(t.Context(), e.t.summarize, other); r.err != errBudgetSpent {
		t.Errorf("pasted text over budget: %v, want errBudgetSpent", r.err)
	}
}

// TestSummarizeThread: the thread a public summary asks for is wanted
// unless the summary was asked for inside one of the bot's threads, and
// once opened it is recorded against the article.
func TestSummarizeThread(t *testing.T) {
	e := newEnv(t, Options{AutoThread: true})
	ctx := t.Context()
	r := run(ctx, e.t.summarize, inGuild(cmdSummarize, map[string]any{"url": advisoryLink}))
	th := r.resp.Thread
	if r.err != nil || th == nil || th.Name != "Fake summary" {
		t.Fatalf("result %+v, want a thread named after the summary", r)
	}
	if !th.Wanted(ctx) {
		t.Error("a thread is not wanted in a plain channel")
	}
	th.Opened(ctx, "thread-1")
	got, ok, err := e.st.Thread(ctx, "thread-1")
	if err != nil || !ok || len(got.ArticleHashes) != 1 || got.GuildID != "guild-1" || got.Kind != news.ThreadSummary {
		t.Fatalf("recorded thread %+v, %v, %v", got, ok, err)
	}
	inThread := inGuild(cmdSummarize, map[string]any{"url": advisoryLink})
	inThread.ChannelID = "thread-1"
	if r := run(ctx, e.t.summarize, inThread); r.resp.Thread == nil || r.resp.Thread.Wanted(ctx) {
		t.Error("a summary asked for inside a bot thread wants a thread of its own")
	}
}

// TestSummarizeMessage: the message command summarizes the message's
// first link (in its text, else its embeds), else its text.
func TestSummarizeMessage(t *testing.T) {
	tests := []struct {
		name     string
		msg      *discordgo.Message
		deferred bool
		userMsg  string
		fetched  bool
	}{
		{"unresolved message", nil, false, "I couldn't read that message.", false},
		{"a link in the text", &discordgo.Message{Content: "see " + advisoryLink + "."}, true, "", true},
		{"a link in an embed", &discordgo.Message{Embeds: []*discordgo.MessageEmbed{nil, {URL: advisoryLink}}}, true, "", true},
		{"text only", &discordgo.Message{Content: "Acme Gateway flaw\n" + strings.Repeat(advisoryText+" ", 5)}, true, "", false},
		{"nothing to summarize", &discordgo.Message{Content: "  "}, false, "That message has no link and no text to summarize.", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			req := inGuild(cmdSummarizeMessage, nil)
			req.Message = tt.msg
			r := run(t.Context(), e.t.summarizeMessage, req)
			embed := ""
			if tt.userMsg == "" {
				embed = "Fake summary"
			}
			checkResult(t, e, r, tt.deferred, embed, false, tt.userMsg)
			if (e.fetch.fetches == 1) != tt.fetched {
				t.Errorf("%d fetches, want fetched %v", e.fetch.fetches, tt.fetched)
			}
		})
	}
}

// TestSummarizeEntries: the declarations Discord needs before the
// handlers run.
func TestSummarizeEntries(t *testing.T) {
	e := newEnv(t, Options{})
	cmds := e.t.Commands()
	s := entry(t, cmds, cmdSummarize)
	if !s.MayDefer || s.ModalID != modalSummarizeText || s.Handle == nil {
		t.Errorf("/summarize entry %+v", s)
	}
	for _, tt := range []struct {
		req  bot.Request
		want bool
	}{
		{inGuild(cmdSummarize, nil), false},
		{inGuild(cmdSummarize, map[string]any{"private": true}), true},
		{bot.Request{CustomID: modalSummarizeText + privateSuffix}, true},
		{bot.Request{CustomID: modalSummarizeText}, false},
	} {
		if got := s.Private(tt.req); got != tt.want {
			t.Errorf("private(%+v) = %v, want %v", tt.req, got, tt.want)
		}
	}
	if m := entry(t, cmds, cmdSummarizeMessage); !m.MayDefer || m.Private != nil || m.Definition.Type != discordgo.MessageApplicationCommand {
		t.Errorf("Summarize entry %+v", m)
	}
	if r := run(context.Background(), s.Handle, inGuild(cmdSummarize, nil)); r.resp.Modal == nil {
		t.Error("the entry's Handle is not /summarize's")
	}
}
