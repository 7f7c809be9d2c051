package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/internal/fakediscord"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/render"
)

// testDigest is a digest of n stories for channelID, with summaries long
// enough that a 40-story digest needs the 6000-rune split, and hostile
// titles that try to ping.
func testDigest(channelID string, n int) news.Digest {
	at := time.Date(2025, 3, 4, 7, 0, 0, 0, time.UTC)
	d := news.Digest{GuildID: "1", ChannelID: channelID, At: at, More: 2}
	sevs := []news.Severity{news.SeverityCritical, news.SeverityHigh, news.SeverityMedium, news.SeverityLow}
	for i := range n {
		link := fmt.Sprintf("https://news.example/story/%d", i)
		d.Stories = append(d.Stories, news.Story{
			Lead: news.Item{ID: link, FeedURL: "https://news.example/feed", FeedTitle: "News Example",
				Title: fmt.Sprintf("@everyone story %d: <@123> patch now", i), Link: link,
				Content: "First sentence. Second sentence.", Published: at.Add(-time.Duration(i) * time.Hour)},
			Others: []news.Item{{FeedURL: "https://other.example/rss", FeedTitle: "Other Outlet",
				Link: fmt.Sprintf("https://other.example/%d", i)}},
			CVEs: []string{fmt.Sprintf("CVE-2025-%04d", 1000+i)},
			Summary: &news.Summary{Title: "t", Severity: sevs[i%len(sevs)],
				TLDR: strings.Repeat(fmt.Sprintf("Story %d explains the flaw in detail. ", i), 20)},
		})
	}
	return d
}

// partRecorder collects the parts a PostDigest reports; failAt makes posted
// fail right after that index was created, as a crash before recording.
type partRecorder struct {
	mu     sync.Mutex
	parts  []news.DigestPart
	failAt int
}

var errCrash = errors.New("simulated crash before recording")

func (r *partRecorder) posted(p news.DigestPart) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.parts = append(r.parts, p)
	if p.Index == r.failAt {
		return errCrash
	}
	return nil
}

// sent is the index → message id map of the parts recorded without error.
func (r *partRecorder) sent() map[int]string {
	out := map[int]string{}
	for _, p := range r.parts {
		if p.Index != r.failAt {
			out[p.Index] = p.MessageID
		}
	}
	return out
}

// creates are the message creates sent to channelID.
func creates(srv *fakediscord.Server, channelID string) []fakediscord.Request {
	var out []fakediscord.Request
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && r.Path == "/channels/"+channelID+"/messages" {
			out = append(out, r)
		}
	}
	return out
}

// checkCreate fails t unless req is a well-formed digest part create.
func checkCreate(t *testing.T, req fakediscord.Request, nonce string) {
	t.Helper()
	if req.Message == nil {
		t.Fatalf("create has no message body: %s", req.Body)
	}
	if !req.Message.NoPings() {
		t.Errorf("create allows mentions: %s", req.Body)
	}
	if !req.Message.EnforceNonce {
		t.Errorf("create without enforce_nonce: %s", req.Body)
	}
	var got string
	if err := json.Unmarshal(req.Message.Nonce, &got); err != nil || got != nonce {
		t.Errorf("nonce = %s, want %q", req.Message.Nonce, nonce)
	}
	var msg discordgo.MessageSend
	if err := req.Decode(&msg); err != nil {
		t.Fatal(err)
	}
	if err := render.CheckLimits(&msg); err != nil {
		t.Errorf("create breaks a limit: %v", err)
	}
}

func TestDigestPosterPostsEveryPart(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		stories  int
		minParts int
	}{
		{"3 stories", 3, 2},
		// 10 embeds per message at most, and fewer under 6000 runes.
		{"40 stories", 40, 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fakediscord.New(t, fakediscord.Options{})
			ch := srv.ChannelID()
			p := NewDigestPoster(srv.NewSession(t), nil)
			d := testDigest(ch, tc.stories)
			want := render.DigestMessages(d)
			rec := &partRecorder{failAt: -1}

			thread, err := p.PostDigest(context.Background(), d, "sbd7", nil, rec.posted)
			if err != nil {
				t.Fatalf("PostDigest: %v", err)
			}
			n := len(want)
			if n < tc.minParts {
				t.Fatalf("rendered %d parts, want at least %d", n, tc.minParts)
			}
			msgs := srv.Messages(ch)
			if len(msgs) != n || len(rec.parts) != n {
				t.Fatalf("%d messages, %d parts reported, want %d", len(msgs), len(rec.parts), n)
			}
			for i, part := range rec.parts {
				if part != (news.DigestPart{Index: i, Total: n, MessageID: msgs[i].ID}) {
					t.Errorf("part %d = %+v, message %s", i, part, msgs[i].ID)
				}
			}
			if msgs[0].Content != want[0].Content || len(msgs[0].Embeds) != 0 {
				t.Errorf("header = %q with %d embeds", msgs[0].Content, len(msgs[0].Embeds))
			}
			stories := 0
			for _, m := range msgs[1:] {
				stories += len(m.Embeds)
			}
			if stories != tc.stories {
				t.Errorf("%d story embeds posted, want %d", stories, tc.stories)
			}
			reqs := creates(srv, ch)
			if len(reqs) != n {
				t.Fatalf("%d creates, want %d", len(reqs), n)
			}
			for i, req := range reqs {
				checkCreate(t, req, news.DigestNonce("sbd7", i))
				if fakediscord.LiveMentions(req) {
					t.Errorf("part %d pings: %s", i, req.Body)
				}
			}
			threads := srv.Threads()
			if len(threads) != 1 {
				t.Fatalf("%d threads, want 1", len(threads))
			}
			th := threads[0]
			if th.ID != thread || th.StarterMessageID != msgs[0].ID || th.ParentID != ch ||
				th.Name != render.DigestThreadName(d) || th.AutoArchiveDuration != 1440 {
				t.Errorf("thread %+v, returned %q, header %s", th, thread, msgs[0].ID)
			}
		})
	}
}

func TestDigestPosterSkipsSentParts(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	ch := srv.ChannelID()
	p := NewDigestPoster(srv.NewSession(t), nil)
	d := testDigest(ch, 40)
	n := len(render.DigestMessages(d))
	rec := &partRecorder{failAt: -1}

	// Parts 1 and 3 were created by an earlier attempt.
	sent := map[int]string{1: "111", 3: "333"}
	if _, err := p.PostDigest(context.Background(), d, "sbd9", sent, rec.posted); err != nil {
		t.Fatalf("PostDigest: %v", err)
	}
	if len(srv.Messages(ch)) != n-2 || len(rec.parts) != n-2 {
		t.Fatalf("%d messages, %d parts, want %d", len(srv.Messages(ch)), len(rec.parts), n-2)
	}
	for _, part := range rec.parts {
		if _, ok := sent[part.Index]; ok {
			t.Errorf("part %d was sent already", part.Index)
		}
	}
	for _, req := range creates(srv, ch) {
		var nonce string
		_ = json.Unmarshal(req.Message.Nonce, &nonce)
		if nonce == news.DigestNonce("sbd9", 1) || nonce == news.DigestNonce("sbd9", 3) {
			t.Errorf("sent part created again (nonce %s)", nonce)
		}
	}
}

func TestDigestPosterCrashBeforeRecordPostsOnce(t *testing.T) {
	t.Parallel()
	d0 := testDigest("", 40)
	n := len(render.DigestMessages(d0))
	cases := []struct {
		name   string
		failAt int
	}{
		{"header", 0},
		{"after part 1", 1},
		{"last part", n - 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fakediscord.New(t, fakediscord.Options{})
			ch := srv.ChannelID()
			p := NewDigestPoster(srv.NewSession(t), nil)
			d := testDigest(ch, 40)
			first := &partRecorder{failAt: tc.failAt}

			thread, err := p.PostDigest(context.Background(), d, "sbd3", nil, first.posted)
			if !errors.Is(err, errCrash) || thread != "" {
				t.Fatalf("first attempt: thread %q, err %v; want the posted error", thread, err)
			}
			if got := len(srv.Messages(ch)); got != tc.failAt+1 {
				t.Fatalf("first attempt left %d messages, want %d", got, tc.failAt+1)
			}
			if len(srv.Threads()) != 0 {
				t.Fatal("thread opened before every part was posted")
			}
			lost := first.parts[len(first.parts)-1] // created, never recorded

			second := &partRecorder{failAt: -1}
			thread, err = p.PostDigest(context.Background(), d, "sbd3", first.sent(), second.posted)
			if err != nil {
				t.Fatalf("second attempt: %v", err)
			}
			msgs := srv.Messages(ch)
			if len(msgs) != n {
				t.Fatalf("%d messages after the retry, want %d (no duplicate)", len(msgs), n)
			}
			if second.parts[0] != lost {
				t.Errorf("retried part = %+v, want the first attempt's %+v", second.parts[0], lost)
			}
			if len(second.parts) != n-tc.failAt {
				t.Errorf("second attempt reported %d parts, want %d", len(second.parts), n-tc.failAt)
			}
			threads := srv.Threads()
			if len(threads) != 1 || threads[0].ID != thread || threads[0].StarterMessageID != msgs[0].ID {
				t.Errorf("threads %+v, returned %q, header %s", threads, thread, msgs[0].ID)
			}
		})
	}
}

func TestDigestPosterThreadAlreadyOpen(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	ch := srv.ChannelID()
	p := NewDigestPoster(srv.NewSession(t), nil)
	d := testDigest(ch, 3)
	rec := &partRecorder{failAt: -1}
	thread, err := p.PostDigest(context.Background(), d, "sbd4", nil, rec.posted)
	if err != nil || thread == "" {
		t.Fatalf("PostDigest: thread %q, err %v", thread, err)
	}

	// Crash after the thread was opened but before it was recorded: every
	// part is recorded, the thread start answers 160004.
	again, err := p.PostDigest(context.Background(), d, "sbd4", rec.sent(), func(news.DigestPart) error {
		t.Error("posted called with every part sent")
		return nil
	})
	if err != nil {
		t.Fatalf("second PostDigest: %v", err)
	}
	if again != thread {
		t.Errorf("thread = %q, want the existing %q", again, thread)
	}
	if len(srv.Threads()) != 1 || len(srv.Messages(ch)) != len(rec.parts) {
		t.Errorf("%d threads, %d messages", len(srv.Threads()), len(srv.Messages(ch)))
	}
}

func TestDigestPosterRetries429(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	ch := srv.ChannelID()
	p := NewDigestPoster(srv.NewSession(t), nil)
	d := testDigest(ch, 3)
	n := len(render.DigestMessages(d))
	srv.Inject429(http.MethodPost, "/channels/"+ch+"/messages", 1, 20*time.Millisecond, false)

	if _, err := p.PostDigest(context.Background(), d, "sbd5", nil, nil); err != nil {
		t.Fatalf("PostDigest: %v", err)
	}
	reqs := creates(srv, ch)
	if len(reqs) != n+1 || reqs[0].Status != http.StatusTooManyRequests || reqs[1].Status != http.StatusOK {
		t.Fatalf("%d creates (first status %d), want the 429 then %d successes", len(reqs), reqs[0].Status, n)
	}
	if !bytes.Equal(reqs[0].Body, reqs[1].Body) {
		t.Error("the retry is not the same request")
	}
	if got := len(srv.Messages(ch)); got != n {
		t.Errorf("%d messages, want %d", got, n)
	}
}

func TestDigestPosterUnknownChannel(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	p := NewDigestPoster(srv.NewSession(t), nil)
	_, err := p.PostDigest(context.Background(), testDigest("4242", 3), "sbd6", nil, func(news.DigestPart) error {
		t.Error("posted called for an unknown channel")
		return nil
	})
	if !errors.Is(err, news.ErrUndeliverable) || !strings.Contains(err.Error(), "part 1/2 to channel 4242") {
		t.Fatalf("err = %v, want ErrUndeliverable with context", err)
	}
}

func TestNotify(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	ch := srv.ChannelID()
	p := NewDigestPoster(srv.NewSession(t), nil)
	const feed = "https://feeds.example/security.xml"
	long := strings.Repeat("word ", 500)
	text := "@everyone <@123> <@&456> the feed " + feed + " was disabled after 5 failures. " +
		"[click](https://evil.example/x) " + long

	if err := p.Notify(context.Background(), ch, text); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	reqs := creates(srv, ch)
	if len(reqs) != 1 || len(srv.Messages(ch)) != 1 {
		t.Fatalf("%d creates, want 1", len(reqs))
	}
	req := reqs[0]
	if !req.Message.NoPings() || fakediscord.LiveMentions(req) {
		t.Errorf("notice can ping: %s", req.Body)
	}
	got := *req.Message.Content
	if !strings.Contains(got, feed) {
		t.Errorf("feed URL dropped: %q", got)
	}
	if strings.Contains(got, "](") || strings.Contains(got, "@everyone") || strings.Contains(got, "<@123>") {
		t.Errorf("notice not sanitized: %q", got[:120])
	}
	if n := utf8.RuneCountInString(got); n > render.MaxContent {
		t.Errorf("notice has %d runes", n)
	}

	if err := p.Notify(context.Background(), ch, " \u200b "); err == nil {
		t.Error("empty notice sent")
	}
	if err := p.Notify(context.Background(), "4242", "hello"); !errors.Is(err, news.ErrUndeliverable) {
		t.Errorf("unknown channel: err = %v", err)
	}
	if got := len(creates(srv, ch)); got != 1 {
		t.Errorf("%d creates after the refused notices, want 1", got)
	}
}
