package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/secbrief/secbrief/internal/fakediscord"
)

// hostileTitle is a feed title written to ping and to link.
const hostileTitle = "@everyone &lt;@123&gt; [click](https://evil.example) **Outlet**"

// leakSite is a server of the test's own on 127.0.0.1: its feed works
// once (for /feeds add) and then redirects to a private address; /story
// redirects to the cloud metadata address and /phrase answers a hostile
// reason phrase (net/http's server cannot write one, so it speaks raw).
type leakSite struct {
	URL   string
	polls atomic.Int32
}

func newLeakSite(t *testing.T, h *harness) *leakSite {
	t.Helper()
	s := &leakSite{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed.xml":
			if s.polls.Add(1) > 1 {
				http.Redirect(w, r, "http://10.0.0.1/feed.xml", http.StatusFound)
				return
			}
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title><link>%s</link>
				<item><title>A story</title><link>%s/a</link><description>Text.</description></item></channel></rss>`, hostileTitle, s.URL, s.URL)
		case "/story":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/iam/", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	h.cfg.Fetch.AllowPorts = append(h.cfg.Fetch.AllowPorts, portOf(t, srv.Listener.Addr()))
	return s
}

// rawPhraseServer answers every request "HTTP/1.1 <status>".
func rawPhraseServer(t *testing.T, h *harness, status string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 4096)
			c.Read(buf) // the request; its content does not matter
			fmt.Fprintf(c, "HTTP/1.1 %s\r\nContent-Type: text/html\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", status)
			c.Close()
		}
	}()
	h.cfg.Fetch.AllowPorts = append(h.cfg.Fetch.AllowPorts, portOf(t, l.Addr()))
	return "http://" + l.Addr().String()
}

func portOf(t *testing.T, a net.Addr) int {
	t.Helper()
	_, p, _ := net.SplitHostPort(a.String())
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// checkNothingLeaks fails when text holds an internal address, a redirect
// target, the server's words or a link nobody wrote.
func checkNothingLeaks(t *testing.T, where, text string, secrets ...string) {
	t.Helper()
	for _, s := range append(secrets, "127.0.0.1", "@everyone", "<@123>", "](", "evil.example", "dial tcp") {
		if strings.Contains(text, s) {
			t.Errorf("%s shows %q: %q", where, s, text)
		}
	}
}

// TestErrorsShownInDiscordLeakNothing drives the bot through fake Discord:
// the /summarize reply, /feeds add, /feeds list and the public notice of a
// disabled feed say what kind of thing failed and never the address, the
// redirect target or the remote server's text, which stay in the log.
func TestErrorsShownInDiscordLeakNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.cfg.Feeds.MaxFailures = 1
	site := newLeakSite(t, h)
	phrase := rawPhraseServer(t, h, "404 @everyone <@123> [click](https://evil.example)")
	h.start()

	// /summarize: a redirect to the metadata service, a hostile reason phrase.
	got := finalText(h.settled(h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", site.URL+"/story")))))
	if !strings.Contains(got.text, "private or local address") {
		t.Errorf("/summarize of a redirect inside: %q", got.text)
	}
	checkNothingLeaks(t, "/summarize", got.text, "169.254", "meta-data")
	got = finalText(h.settled(h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", phrase+"/x")))))
	if !strings.Contains(got.text, "HTTP 404 (Not Found)") {
		t.Errorf("/summarize of a hostile reason phrase: %q", got.text)
	}
	checkNothingLeaks(t, "/summarize", got.text)

	// /feeds add: the feed's title is internet text.
	feedURL := site.URL + "/feed.xml"
	got = finalText(h.settled(h.dispatch(feedsAdd(feedURL))))
	if !strings.Contains(got.text, "Added") || !strings.Contains(got.text, "Outlet") {
		t.Fatalf("/feeds add: %q", got.text)
	}
	checkNothingLeaks(t, "/feeds add", strings.ReplaceAll(got.text, feedURL, "<the feed>"))

	// The feed now redirects inside: one failed poll disables it, and the
	// digest channel is told why, publicly.
	channel := h.dc.ChannelID()
	h.settled(h.dispatch(digestCmd("setup", fakediscord.ChannelOption("channel", channel), fakediscord.StringOption("time", "08:00"))))
	before := len(h.dc.Messages(channel))
	if _, err := h.dg.poller.PollDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	var notice string
	h.wait("disabled-feed notice", func() bool {
		for _, m := range h.dc.Messages(channel)[before:] {
			if strings.Contains(m.Content, "disabled") {
				notice = m.Content
				return true
			}
		}
		return false
	})
	if !strings.Contains(notice, "points to a private or local address") {
		t.Errorf("notice does not say what kind of failure: %q", notice)
	}
	checkNothingLeaks(t, "the disabled notice", strings.ReplaceAll(notice, feedURL, "<the feed>"), "10.0.0.1")

	got = finalText(h.settled(h.dispatch(admin(fakediscord.SlashCommand("feeds", fakediscord.SubcommandOption("list"))))))
	if !strings.Contains(got.text, "disabled") || !strings.Contains(got.text, "points to a private or local address") {
		t.Errorf("/feeds list: %q", got.text)
	}
	checkNothingLeaks(t, "/feeds list", strings.ReplaceAll(got.text, feedURL, "<the feed>"), "10.0.0.1")

	logs := h.logs.String()
	for _, detail := range []string{"169.254.169.254", "10.0.0.1", "@everyone <@123>"} {
		if !strings.Contains(logs, detail) {
			t.Errorf("the log lost %q", detail)
		}
	}
	h.checkNoPings()
}
