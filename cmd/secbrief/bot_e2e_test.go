package main

import (
	"context"
	"encoding/json"
	"log"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakediscord"
	"github.com/secbrief/secbrief/internal/fakellm"
)

func TestBotRegistersCommandsOnReady(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.start()
	h.wait("commands", func() bool { return len(h.dc.Commands(h.dc.GuildID())) > 0 })
	names := map[string]bool{}
	for _, c := range h.dc.Commands(h.dc.GuildID()) {
		names[c.Name] = true
	}
	for _, want := range []string{"summarize", "Summarize", "ask"} {
		if !names[want] {
			t.Errorf("command %q not registered; have %v", want, names)
		}
	}
	ids := h.dc.Identifies()
	if len(ids) == 0 {
		t.Fatal("no IDENTIFY")
	}
	const privileged = 1<<1 | 1<<8 | 1<<15 // members, presences, message content
	if ids[0].Intents&privileged != 0 {
		t.Errorf("intents %b ask for privileged intents", ids[0].Intents)
	}
}

func TestSummarizeURLDefersThenEditsEmbedAndOpensThread(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.start()
	link := h.site.URL + "/advisory"
	d := h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", link)))
	st := h.settled(d)

	ack, _ := st.FirstAck()
	if ack.Type != 5 {
		t.Fatalf("first callback type %d, want 5 (deferred)", ack.Type)
	}
	if ack.Latency > 3*time.Second {
		t.Errorf("ack after %v, over Discord's 3 s", ack.Latency)
	}
	if st.Original == nil || len(st.Original.Embeds) != 1 {
		t.Fatalf("original = %+v, want one embed", st.Original)
	}
	e := st.Original.Embeds[0]
	if e.Title != "Critical flaw in Acme Gateway exploited" || !strings.HasPrefix(e.URL, h.site.URL) {
		t.Errorf("embed title %q url %q", e.Title, e.URL)
	}
	body, _ := json.Marshal(e)
	for _, want := range []string{"authentication bypass", "https://nvd.nist.gov/vuln/detail/CVE-2026-12345", "Upgrade to 7.2.1", "Acme Gateway 7.0"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("embed lacks %q: %s", want, body)
		}
	}
	if st.Original.Ephemeral() {
		t.Error("public summary is ephemeral")
	}

	h.wait("thread", func() bool { return len(h.dc.Threads()) == 1 })
	th := h.dc.Threads()[0]
	if th.StarterMessageID != st.Original.ID || th.Name == "" || len([]rune(th.Name)) > 100 {
		t.Errorf("thread %+v not started on the summary %s", th, st.Original.ID)
	}
	h.wait("thread recorded", func() bool {
		got, ok, err := h.app.store.Thread(context.Background(), th.ID)
		return err == nil && ok && len(got.ArticleHashes) == 1
	})

	// The request to the LLM held the article as fenced data, never the
	// hidden text or the raw HTML.
	reqs := h.llm.Requests()
	if len(reqs) != 1 {
		t.Fatalf("LLM calls = %d, want 1", len(reqs))
	}
	if !reqs[0].Contains("crafted request to the management interface") {
		t.Error("prompt lacks the article text")
	}
	if reqs[0].Contains("ignore previous instructions") || reqs[0].Contains("<article>") {
		t.Error("prompt holds hidden text or raw HTML")
	}
	h.checkNoPings()

	// A second /summarize of the same link is a cache hit: answered at
	// once (type 4), no fetch, no LLM call.
	fetches := h.site.Fetches("/advisory")
	d2 := h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", link)))
	st2 := h.settled(d2)
	if ack, _ := st2.FirstAck(); ack.Type != 4 {
		t.Errorf("cached answer callback type %d, want 4", ack.Type)
	}
	if h.site.Fetches("/advisory") != fetches || h.llm.Calls() != 1 {
		t.Errorf("cache hit fetched (%d→%d) or called the LLM (%d)", fetches, h.site.Fetches("/advisory"), h.llm.Calls())
	}
	// Its thread is started from the message id the callback response
	// gave: the original response is not fetched.
	h.waitThreadRecorded(st2.Original.ID)
	for _, r := range h.dc.Requests() {
		if r.Method == "GET" && strings.Contains(r.Path, d2.Token) {
			t.Errorf("cached answer fetched its original response: %s %s", r.Method, r.Route)
		}
	}
	h.checkLogs(d.Token, d2.Token)
}

func TestSummarizeBadInputIsEphemeralAndSpecific(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.start()
	tests := []struct {
		name, url, want string
		fetched         string
	}{
		{"metadata address", "http://169.254.169.254/latest/meta-data/", "private or local address", ""},
		{"credentials in url", "http://user:pass@example.com/", "credentials", ""},
		{"file scheme", "file:///etc/passwd", "not an http or https link", ""},
		{"not a web page", h.site.URL + "/report.pdf", "application/pdf", "/report.pdf"},
		{"no article text", h.site.URL + "/empty", "couldn't find article text", "/empty"},
		{"not found", h.site.URL + "/missing", "404", "/missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", tt.url)))
			st := h.settled(d)
			msg := finalText(st)
			if !msg.ephemeral {
				t.Errorf("error shown publicly: %+v", st)
			}
			if !strings.Contains(msg.text, tt.want) {
				t.Errorf("message %q lacks %q", msg.text, tt.want)
			}
			if tt.fetched == "" {
				if ack, _ := st.FirstAck(); ack.Type != 4 {
					t.Errorf("refused URL was deferred (type %d) instead of refused at once", ack.Type)
				}
			}
		})
	}
	if h.llm.Calls() != 0 {
		t.Errorf("bad input reached the LLM %d times", h.llm.Calls())
	}
	h.checkNoPings()
}

// answer is the text a user finally sees for an interaction.
type answer struct {
	text      string
	ephemeral bool
}

func finalText(st fakediscord.Interaction) answer {
	if n := len(st.Followups); n > 0 {
		f := st.Followups[n-1]
		return answer{f.Content, f.Ephemeral()}
	}
	if st.Original != nil && !st.Original.Deleted {
		return answer{st.Original.Content, st.Original.Ephemeral()}
	}
	return answer{}
}

func TestSummarizeLLMFailureAfterDeferIsEphemeral(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.llm.SetResponder(func(fakellm.Request) fakellm.Response { return fakellm.ServerError(503) })
	h.start()
	d := h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", h.site.URL+"/advisory")))
	h.wait("error follow-up", func() bool {
		st, _ := h.dc.Interaction(d.ID)
		return len(st.Followups) > 0
	})
	st, _ := h.dc.Interaction(d.ID)
	msg := finalText(st)
	if !msg.ephemeral || !strings.Contains(msg.text, "unavailable") {
		t.Errorf("final message %+v, want an ephemeral 'unavailable'", msg)
	}
	if st.Original != nil && !st.Original.Deleted {
		t.Errorf("public placeholder left behind: %+v", st.Original)
	}
	if n := h.llm.Calls(); n != 1 {
		t.Errorf("llm.max_retries 0 made %d calls, want 1", n)
	}
}

func TestSummarizeSlowLLMStillAcksFast(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.llm.SetLatency(10 * time.Second)
	h.start()
	d := h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", h.site.URL+"/advisory")))
	h.wait("ack", func() bool {
		st, _ := h.dc.Interaction(d.ID)
		return st.Acked()
	})
	st, _ := h.dc.Interaction(d.ID)
	ack, _ := st.FirstAck()
	if ack.Type != 5 || ack.Latency > 3*time.Second {
		t.Fatalf("ack type %d after %v; want a deferral under 3 s", ack.Type, ack.Latency)
	}
}

func TestSummarizeHostileLLMOutputPingsNoOne(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	long := strings.Repeat("@everyone <@&123456789012345678> [click](https://evil.example/x) ", 80)
	h.llm.SetResponder(func(fakellm.Request) fakellm.Response {
		s := map[string]any{
			"title": "@here <@123456789012345678> " + strings.Repeat("T", 300), "tldr": long,
			"key_points": []string{long, "[free nitro](https://evil.example/nitro)", "@everyone"},
			"severity":   "high", "cves": []string{"CVE-2026-12345", "CVE-2099-0001"},
			"affected": []string{long}, "actions": []string{long},
		}
		b, _ := json.Marshal(s)
		return fakellm.Reply(string(b))
	})
	h.start()
	d := h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", h.site.URL+"/advisory")))
	st := h.settled(d)
	if st.Original == nil || len(st.Original.Embeds) != 1 {
		t.Fatalf("no embed delivered (Discord refused it?): %+v", st)
	}
	body, _ := json.Marshal(st.Original.Embeds)
	for _, bad := range []string{"@everyone", "@here", "<@&1", "<@1", "evil.example", "CVE-2099-0001"} {
		if strings.Contains(string(body), bad) {
			t.Errorf("embed holds %q", bad)
		}
	}
	h.checkNoPings()
	for _, r := range h.dc.Requests() {
		if r.Status == 400 {
			t.Errorf("Discord refused %s %s: over a limit", r.Method, r.Path)
		}
	}
}

func TestSummarizeContextMenuAndModal(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.start()
	// A message with a link: the link is summarized.
	d := h.dispatch(fakediscord.MessageCommand("Summarize", fakediscord.MessageSpec{Content: "have you seen " + h.site.URL + "/advisory?"}))
	st := h.settled(d)
	if st.Original == nil || len(st.Original.Embeds) != 1 {
		t.Fatalf("context menu: %+v", st)
	}
	// A message without a link: its text is summarized.
	text0 := "Acme Gateway flaw\n" + strings.Repeat("Acme patched CVE-2026-12345 in Acme Gateway 7.2.1 after attackers exploited it in the wild. ", 5)
	d = h.dispatch(fakediscord.MessageCommand("Summarize", fakediscord.MessageSpec{Content: text0}))
	st = h.settled(d)
	if st.Original == nil || len(st.Original.Embeds) != 1 {
		t.Fatalf("context menu on text: %+v", st)
	}
	if q := h.llm.Requests()[len(h.llm.Requests())-1]; !q.Contains("after attackers exploited it in the wild") {
		t.Errorf("the message text was not summarized:\n%s", q.Text())
	}
	// /summarize without a URL opens the modal; submitting it summarizes.
	d = h.dispatch(fakediscord.SlashCommand("summarize"))
	st = h.settled(d)
	if ack, _ := st.FirstAck(); ack.Type != 9 {
		t.Fatalf("no modal: callback type %d", ack.Type)
	}
	text := "Acme Gateway flaw\n" + strings.Repeat("Acme patched CVE-2026-12345 in Acme Gateway 7.2.1 after attackers exploited it. ", 6)
	d = h.dispatch(fakediscord.ModalSubmit("summarize_text", fakediscord.TextInput{CustomID: "article_text", Value: text}))
	st = h.settled(d)
	if st.Original == nil || len(st.Original.Embeds) != 1 {
		t.Fatalf("modal submit: %+v", st)
	}
	h.checkNoPings()
}

func TestSummarizePrivateAndRateLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.cfg.Limits.PerUserPerMinute = 2
	h.start()
	link := h.site.URL + "/advisory"
	st := h.settled(h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", link), fakediscord.BoolOption("private", true))))
	if st.Original == nil || !st.Original.Ephemeral() || len(st.Original.Embeds) != 1 {
		t.Fatalf("private summary: %+v", st.Original)
	}
	if len(h.dc.Threads()) != 0 {
		t.Error("a private summary opened a thread")
	}
	h.settled(h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", link))))
	st = h.settled(h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", link))))
	msg := finalText(st)
	if !msg.ephemeral || !strings.Contains(msg.text, "Try again in") {
		t.Fatalf("third request in a minute: %+v, want an ephemeral wait", msg)
	}
}

func TestConcurrentSummariesOfOneArticleFetchAndCallOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.llm.SetLatency(300 * time.Millisecond)
	h.start()
	link := h.site.URL + "/advisory-copy"
	var wg sync.WaitGroup
	ids := make([]fakediscord.Dispatched, 5)
	for i := range ids {
		user := h.dc.NewUser("user" + string(rune('a'+i)))
		wg.Go(func() {
			spec := fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", link))
			spec.User = user
			ids[i] = h.dispatch(spec)
		})
	}
	wg.Wait()
	for _, d := range ids {
		st := h.settled(d)
		if st.Original == nil || len(st.Original.Embeds) != 1 {
			t.Errorf("user of %s got no summary", d.ID)
		}
	}
	if f, c := h.site.Fetches("/advisory-copy"), h.llm.Calls(); f != 1 || c != 1 {
		t.Errorf("fetches %d, LLM calls %d; want 1 and 1", f, c)
	}
}

func TestDiscord429IsRetried(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.start()
	h.dc.Inject429("PATCH", "/webhooks/", 1, 50*time.Millisecond, false)
	st := h.settled(h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", h.site.URL+"/advisory"))))
	if st.Original == nil || len(st.Original.Embeds) != 1 {
		t.Fatalf("summary not delivered after a 429: %+v", st)
	}
	saw429 := false
	for _, r := range h.dc.Requests() {
		saw429 = saw429 || r.Status == 429
	}
	if !saw429 {
		t.Error("the 429 was never served")
	}
}

func TestGatewayDropIsResumed(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.start()
	h.dc.DropConnection()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.dc.WaitResumes(ctx, 1); err != nil {
		t.Fatalf("no RESUME after a dropped gateway: %v", err)
	}
	st := h.settled(h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", h.site.URL+"/advisory"))))
	if st.Original == nil || len(st.Original.Embeds) != 1 {
		t.Fatal("no answer after resuming")
	}
}

// TestSecretsNeverLogged runs a session with sentinel secrets, including
// failures whose errors carry request URLs, and greps every log line:
// secbrief's and discordgo's own.
func TestSecretsNeverLogged(t *testing.T) {
	var std syncBuffer
	log.SetOutput(&std)
	defer log.SetOutput(os.Stderr)
	h := newHarness(t)
	h.start()
	d1 := h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", h.site.URL+"/advisory")))
	h.settled(d1)
	h.dc.Inject429("POST", "/interactions/", 5, time.Millisecond, false)
	d2 := h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", h.site.URL+"/missing")))
	h.settled(d2)
	h.wait("handler done", func() bool { return strings.Contains(h.logs.String(), "handler failed") })
	h.stop()
	h.checkLogs(d1.Token, d2.Token)
	for _, s := range []string{sentinelDiscordToken, sentinelLLMKey, d1.Token, d2.Token} {
		if strings.Contains(std.String(), s) {
			t.Errorf("discordgo's log holds %q", s)
		}
	}
	if !strings.Contains(h.logs.String(), "interaction_id") {
		t.Error("the log is empty: the test would not catch a leak")
	}
}

func TestRunExitsOnSignal(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.start()
	start := time.Now()
	h.stop()
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("shutdown took %v, over 10 s", d)
	}
}

func TestPrivatePastedTextStaysPrivate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.start()
	st := h.settled(h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.BoolOption("private", true))))
	if ack, _ := st.FirstAck(); ack.Type != 9 || !strings.Contains(string(ack.Data), "summarize_text:private") {
		t.Fatalf("modal: type %d %s", ack.Type, ack.Data)
	}
	text := "Acme Gateway flaw\n" + strings.Repeat("Acme patched CVE-2026-12345 in Acme Gateway 7.2.1 after attackers exploited it. ", 6)
	st = h.settled(h.dispatch(fakediscord.ModalSubmit("summarize_text:private", fakediscord.TextInput{CustomID: "article_text", Value: text})))
	if st.Original == nil || len(st.Original.Embeds) != 1 || !st.Original.Ephemeral() {
		t.Fatalf("private pasted text: %+v", st.Original)
	}
	// Too little text says so, rather than blaming a web page.
	st = h.settled(h.dispatch(fakediscord.ModalSubmit("summarize_text", fakediscord.TextInput{CustomID: "article_text", Value: "Title\nJust a few words here."})))
	if msg := finalText(st); !msg.ephemeral || !strings.Contains(msg.text, "too short") {
		t.Errorf("short text: %+v", msg)
	}
}

func TestGuildDailyTokenBudget(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.cfg.Limits.GuildDailyTokens = 10 // one summary spends it
	h.start()
	st := h.settled(h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", h.site.URL+"/advisory"))))
	if st.Original == nil || len(st.Original.Embeds) != 1 {
		t.Fatalf("first summary: %+v", st)
	}
	calls := h.llm.Calls()
	// Another link needs the LLM: refused until tomorrow.
	h.site.serve("/other", "text/html", `<html><body><article><h1>Other</h1><p>`+strings.Repeat("Another vendor fixed another flaw in another product this week. ", 8)+`</p></article></body></html>`)
	msg := finalText(h.settled(h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", h.site.URL+"/other")))))
	if !msg.ephemeral || !strings.Contains(msg.text, "budget") {
		t.Fatalf("over budget: %+v", msg)
	}
	// A cached link still works, and questions are refused too.
	st = h.settled(h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", h.site.URL+"/advisory"))))
	if st.Original == nil || len(st.Original.Embeds) != 1 {
		t.Fatalf("cached summary over budget: %+v", st)
	}
	h.wait("thread", func() bool { return len(h.dc.Threads()) >= 1 })
	thread := h.dc.Threads()[0].ID
	h.wait("thread recorded", func() bool {
		_, ok, err := h.app.store.Thread(context.Background(), thread)
		return err == nil && ok
	})
	if _, got := h.ask(thread, "Is there a patch?"); !got.ephemeral || !strings.Contains(got.text, "budget") {
		t.Errorf("question over budget: %+v", got)
	}
	if h.llm.Calls() != calls {
		t.Errorf("LLM called %d times over budget", h.llm.Calls()-calls)
	}
}

func TestRegisteredCommandOptions(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.start()
	h.wait("commands", func() bool { return len(h.dc.Commands(h.dc.GuildID())) > 0 })
	byName := map[string]fakediscord.Command{}
	for _, c := range h.dc.Commands(h.dc.GuildID()) {
		byName[c.Name] = c
	}
	for _, name := range []string{"summarize", "Summarize", "ask", "digest", "feeds"} {
		if _, ok := byName[name]; !ok {
			t.Errorf("command %q not registered", name)
		}
	}
	raw, _ := json.Marshal(byName["summarize"])
	var sum struct {
		Options []struct {
			Name string `json:"name"`
			Type int    `json:"type"`
		} `json:"options"`
	}
	if err := json.Unmarshal(raw, &sum); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"url": 3, "private": 5} // string, boolean
	for _, o := range sum.Options {
		if want[o.Name] == o.Type {
			delete(want, o.Name)
		}
	}
	if len(want) != 0 {
		t.Errorf("/summarize lacks options %v: %s", want, raw)
	}
}

func TestNoThreadWhenAutoThreadIsOff(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.cfg.Discord.AutoThread = false
	h.start()
	st := h.settled(h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", h.site.URL+"/advisory"))))
	if st.Original == nil || len(st.Original.Embeds) != 1 {
		t.Fatalf("summary: %+v", st)
	}
	// A second interaction after it: once answered, the first had all the
	// time it needed to (wrongly) open a thread.
	h.settled(h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", h.site.URL+"/advisory"))))
	if n := len(h.dc.Threads()); n != 0 {
		t.Fatalf("%d threads with discord.auto_thread false", n)
	}
}
