package main

import (
	"context"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/internal/fakediscord"
	"github.com/secbrief/secbrief/internal/fakellm"
)

// summarizeIntoThread runs /summarize on the advisory and returns the id of
// the thread opened on it, once the thread is recorded.
func (h *harness) summarizeIntoThread() string {
	h.t.Helper()
	st := h.settled(h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", h.site.URL+"/advisory"))))
	if st.Original == nil {
		h.t.Fatalf("no summary: %+v", st)
	}
	var id string
	h.wait("thread", func() bool {
		for _, th := range h.dc.Threads() {
			if th.StarterMessageID == st.Original.ID {
				id = th.ID
				return true
			}
		}
		return false
	})
	h.wait("thread recorded", func() bool {
		_, ok, err := h.app.store.Thread(context.Background(), id)
		return err == nil && ok
	})
	return id
}

// say posts content in channel as a member and returns the bot's reply to
// it.
func (h *harness) say(channel, content string) fakediscord.Message {
	h.t.Helper()
	m, err := h.dc.DispatchMessage(fakediscord.MessageSpec{ChannelID: channel, Content: content})
	if err != nil {
		h.t.Fatal(err)
	}
	var reply fakediscord.Message
	h.wait("reply to "+m.ID, func() bool {
		for _, msg := range h.dc.Messages(channel) {
			if msg.ReferenceID == m.ID && msg.Author.ID == h.dc.Bot().ID {
				reply = msg
				return true
			}
		}
		return false
	})
	return reply
}

// ask sends /ask in channel and returns what the user sees.
func (h *harness) ask(channel, question string) (fakediscord.Interaction, answer) {
	h.t.Helper()
	spec := fakediscord.SlashCommand("ask", fakediscord.StringOption("question", question))
	spec.ChannelID = channel
	st := h.settled(h.dispatch(spec))
	return st, finalText(st)
}

func TestAskInSummaryThread(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.start()
	thread := h.summarizeIntoThread()
	calls := h.llm.Calls()

	st, got := h.ask(thread, "Which versions are affected?")
	if got.ephemeral || !strings.Contains(got.text, "7.0 through 7.2") {
		t.Fatalf("answer %+v", got)
	}
	if st.Original == nil || st.Original.ChannelID != thread {
		t.Errorf("answer not in the thread: %+v", st.Original)
	}
	reqs := h.llm.Requests()
	if len(reqs) != calls+1 {
		t.Fatalf("LLM calls %d, want %d", len(reqs), calls+1)
	}
	q := reqs[len(reqs)-1]
	if !q.Contains("Which versions are affected?") || !q.Contains("Version 7.2.1 fixes the issue") {
		t.Errorf("answer request lacks the question or an article passage:\n%s", q.Text())
	}

	// A second question carries the first turn.
	h.ask(thread, "Is there a patch?")
	q = h.llm.Requests()[len(h.llm.Requests())-1]
	if !q.Contains("Which versions are affected?") || !q.Contains("Versions 7.0 through 7.2 are affected") {
		t.Errorf("second question lacks the first turn:\n%s", q.Text())
	}

	// After a restart the thread still answers, with its history.
	h.stop()
	h.start()
	h.ask(thread, "Does this need internet exposure?")
	q = h.llm.Requests()[len(h.llm.Requests())-1]
	if !q.Contains("Is there a patch?") || !q.Contains("crafted request") {
		t.Errorf("after restart the question lacks history or article:\n%s", q.Text())
	}
	h.checkNoPings()
}

func TestMentionInThreadGetsReply(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.start()
	thread := h.summarizeIntoThread()
	botID := h.dc.Bot().ID

	reply := h.say(thread, "<@"+botID+"> does this affect 7.2?")
	if !strings.Contains(reply.Content, "7.2") {
		t.Errorf("reply %q", reply.Content)
	}
	if q := h.llm.Requests()[len(h.llm.Requests())-1]; !q.Contains("does this affect 7.2?") || q.Contains("<@"+botID+">") {
		t.Errorf("question not passed cleanly:\n%s", q.Text())
	}

	// An empty mention gets a hint, not an LLM call.
	calls := h.llm.Calls()
	if hint := h.say(thread, "<@"+botID+">"); !strings.Contains(hint.Content, "Ask me a question") {
		t.Errorf("empty mention answered %q", hint.Content)
	}

	// Other bots and plain messages (no Message Content intent) are ignored.
	other := h.dc.NewUser("otherbot")
	other.Bot = true
	h.dc.DispatchMessage(fakediscord.MessageSpec{ChannelID: thread, Author: other, Content: "<@" + botID + "> loop?"})
	h.dc.DispatchMessage(fakediscord.MessageSpec{ChannelID: thread, Content: "just chatting"})
	// A marker mention after them: once it is answered, the others had
	// their chance.
	h.say(thread, "<@"+botID+">   ")
	if h.llm.Calls() != calls {
		t.Errorf("ignored messages caused %d LLM calls", h.llm.Calls()-calls)
	}
	h.checkNoPings()
}

func TestAskOutsideBotThreadAndEmptyQuestion(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.start()
	_, got := h.ask(h.dc.ChannelID(), "What is this?")
	if !got.ephemeral || !strings.Contains(got.text, "thread") {
		t.Errorf("/ask outside a bot thread: %+v", got)
	}
	// A thread that is not ours.
	other := h.dc.AddChannel(h.dc.GuildID(), "random")
	_, got = h.ask(other.ID, "What is this?")
	if !got.ephemeral || !strings.Contains(got.text, "thread") {
		t.Errorf("/ask in an unrelated channel: %+v", got)
	}
	// A thread the bot did not open on a summary.
	unrelated, err := h.dc.NewSession(t).ThreadStartComplex(h.dc.ChannelID(), &discordgo.ThreadStart{Name: "chat", Type: discordgo.ChannelTypeGuildPublicThread})
	if err != nil {
		t.Fatal(err)
	}
	_, got = h.ask(unrelated.ID, "What is this?")
	if !got.ephemeral || !strings.Contains(got.text, "thread I open") {
		t.Errorf("/ask in an unrelated thread: %+v", got)
	}
	h.dc.DispatchMessage(fakediscord.MessageSpec{ChannelID: unrelated.ID, Content: "<@" + h.dc.Bot().ID + "> hello?"})
	thread := h.summarizeIntoThread()
	_, got = h.ask(thread, "   ")
	if !got.ephemeral || !strings.Contains(got.text, "empty") {
		t.Errorf("empty question: %+v", got)
	}
	if h.llm.Calls() != 1 {
		t.Errorf("LLM calls %d, want only the summary's", h.llm.Calls())
	}
}

func TestHostileAnswerPingsNoOne(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	hostile := "@everyone <@&123456789012345678> see [here](https://evil.example/) " + strings.Repeat("long answer paragraph. ", 150) + "\n\n" + strings.Repeat("x", 3000)
	h.llm.SetResponder(func(r fakellm.Request) fakellm.Response {
		if r.ResponseFormat == "json_object" {
			return fakellm.Reply(acmeSummary)
		}
		return fakellm.Reply(hostile)
	})
	h.start()
	thread := h.summarizeIntoThread()
	st, _ := h.ask(thread, "Tell me everything")
	h.wait("the rest of the answer", func() bool {
		st, _ = h.dc.Interaction(st.ID)
		return len(st.Followups) >= 3
	})
	for _, msg := range append([]fakediscord.Message{*st.Original}, st.Followups...) {
		if n := len([]rune(msg.Content)); n > 2000 {
			t.Errorf("message of %d runes", n)
		}
		for _, bad := range []string{"@everyone", "<@&1", "evil.example"} {
			if strings.Contains(msg.Content, bad) {
				t.Errorf("answer holds %q", bad)
			}
		}
	}
	h.checkNoPings()
}

func TestPlainMessagesAnsweredWithMessageContentIntent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.cfg.Discord.MessageContentIntent = true
	h.start()
	if ids := h.dc.Identifies(); ids[len(ids)-1].Intents&(1<<15) == 0 {
		t.Fatal("message content intent not requested")
	}
	thread := h.summarizeIntoThread()
	h.say(thread, "is there a patch?")
	// Plain messages outside the bot's threads stay unanswered.
	calls := h.llm.Calls()
	h.dc.DispatchMessage(fakediscord.MessageSpec{Content: "is there a patch?"})
	h.say(thread, "<@"+h.dc.Bot().ID+">")
	if h.llm.Calls() != calls {
		t.Errorf("a message outside the bot's threads was answered")
	}
}

func TestThreadTurnCap(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.cfg.Limits.ThreadTurnsPerHour = 1
	h.start()
	thread := h.summarizeIntoThread()
	if _, got := h.ask(thread, "Which versions are affected?"); got.ephemeral {
		t.Fatalf("first question refused: %+v", got)
	}
	_, got := h.ask(thread, "And which are not?")
	if !got.ephemeral || !strings.Contains(got.text, "last hour") {
		t.Fatalf("second question over the cap: %+v", got)
	}
}

func TestAskInDigestThreadUsesItsStories(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.start()
	feedA, feedB := serveFeeds(h)
	for _, u := range []string{feedA, feedB} {
		h.settled(h.dispatch(feedsAdd(u)))
	}
	h.settled(h.dispatch(digestCmd("now")))
	h.wait("digest thread", func() bool { return len(h.dc.Threads()) == 1 })
	thread := h.dc.Threads()[0].ID
	h.wait("digest thread recorded", func() bool {
		th, ok, err := h.app.store.Thread(context.Background(), thread)
		return err == nil && ok && len(th.ArticleHashes) == 2
	})
	_, got := h.ask(thread, "What did the Widget Corp attackers access?")
	if got.ephemeral || got.text == "" {
		t.Fatalf("answer in the digest thread: %+v", got)
	}
	q := h.llm.Requests()[len(h.llm.Requests())-1]
	if !q.Contains("customer database holding names and email addresses") {
		t.Errorf("the Widget article was not given to the answer:\n%s", q.Text())
	}
}

func TestAskPerUserLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.cfg.Limits.AskPerUserPerMinute = 1
	h.start()
	thread := h.summarizeIntoThread()
	if _, got := h.ask(thread, "Which versions are affected?"); got.ephemeral {
		t.Fatalf("first question refused: %+v", got)
	}
	_, got := h.ask(thread, "Is there a patch?")
	if !got.ephemeral || !strings.Contains(got.text, "Try again in") {
		t.Fatalf("second question within the minute: %+v", got)
	}
	// The same limit answers a mention with a short reply.
	if reply := h.say(thread, "<@"+h.dc.Bot().ID+"> and 6.x?"); !strings.Contains(reply.Content, "Try again in") {
		t.Errorf("mention over the limit answered %q", reply.Content)
	}
}
