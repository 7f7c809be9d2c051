package main

import (
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakediscord"
)

// TestDigestSurvivesKillBetweenMessages kills `secbrief run` (SIGKILL)
// after Discord created the second message of a digest but before the bot
// heard back, then starts it again: the digest is finished, no message is
// posted twice and no story is lost or repeated.
func TestDigestSurvivesKillBetweenMessages(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	feedA, feedB := serveFeeds(h)
	cfg := h.writeConfigFile()
	channel := h.dc.ChannelID()

	first := h.startProcess(cfg)
	for _, u := range []string{feedA, feedB} {
		if got := finalText(h.settled(h.dispatch(feedsAdd(u)))); !strings.Contains(got.text, "Added") {
			t.Fatalf("/feeds add: %+v", got)
		}
	}
	// The header goes through; the message after it is created by Discord
	// but its response never reaches the bot.
	arrived, release := h.dc.Stall("POST", "/channels/"+channel+"/messages", 1)
	defer release()
	h.dispatch(digestCmd("now"))
	select {
	case <-arrived:
	case <-time.After(30 * time.Second):
		t.Fatalf("the second digest message never came\n%s", first.out.String())
	}
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-first.exited
	if n := len(botMessages(h, channel)); n != 2 {
		t.Fatalf("%d digest messages before the restart, want 2 (header + the stalled one)", n)
	}

	second := h.startProcess(cfg)
	h.wait("digest thread after resume", func() bool { return len(h.dc.Threads()) == 1 })
	msgs := botMessages(h, channel)
	if len(msgs) != 2 {
		t.Fatalf("%d digest messages after the restart, want 2: a part was posted twice\n%s", len(msgs), second.out.String())
	}
	var stories []string
	for _, m := range msgs {
		for _, e := range m.Embeds {
			stories = append(stories, e.Title)
		}
	}
	if len(stories) != 2 || stories[0] == stories[1] {
		t.Fatalf("stories %q, want the two stories once each", stories)
	}
	if th := h.dc.Threads()[0]; th.StarterMessageID != msgs[0].ID {
		t.Errorf("thread on %s, want the header %s", th.StarterMessageID, msgs[0].ID)
	}
	// Everything was delivered: nothing new, nothing posted.
	got := finalText(h.settled(h.dispatch(digestCmd("now"))))
	if !strings.Contains(got.text, "Nothing new") || len(botMessages(h, channel)) != 2 {
		t.Errorf("after the resumed digest: %+v", got)
	}
}

// botMessages are the channel's messages the bot posted itself (not
// interaction responses).
func botMessages(h *harness, channel string) []fakediscord.Message {
	var out []fakediscord.Message
	for _, m := range h.dc.Messages(channel) {
		if m.Author.ID == h.dc.Bot().ID && m.InteractionID == "" && !m.Deleted {
			out = append(out, m)
		}
	}
	return out
}
