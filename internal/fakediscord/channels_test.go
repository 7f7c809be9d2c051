package fakediscord

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

func TestMessageLimits(t *testing.T) {
	t.Parallel()
	srv := New(t, Options{})
	sess := srv.NewSession(t)
	field := func(n int) []*discordgo.MessageEmbedField {
		out := make([]*discordgo.MessageEmbedField, n)
		for i := range out {
			out[i] = &discordgo.MessageEmbedField{Name: "n", Value: "v"}
		}
		return out
	}
	long := func(n int) string { return strings.Repeat("é", n) } // runes, not bytes
	cases := []struct {
		name string
		msg  discordgo.MessageSend
		code int
	}{
		{"content at limit", discordgo.MessageSend{Content: long(2000)}, 0},
		{"content over", discordgo.MessageSend{Content: long(2001)}, CodeInvalidFormBody},
		{"11 embeds", discordgo.MessageSend{Embeds: make11()}, CodeInvalidFormBody},
		{"title over", discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Title: long(257)}}}, CodeInvalidFormBody},
		{"description at limit", discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Description: long(4096)}}}, 0},
		{"description over", discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Description: long(4097)}}}, CodeInvalidFormBody},
		{"26 fields", discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Fields: field(26)}}}, CodeInvalidFormBody},
		{"field value over", discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Fields: []*discordgo.MessageEmbedField{{Name: "n", Value: long(1025)}}}}}, CodeInvalidFormBody},
		{"empty field name", discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Fields: []*discordgo.MessageEmbedField{{Value: "v"}}}}}, CodeInvalidFormBody},
		{"footer over", discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Title: "t", Footer: &discordgo.MessageEmbedFooter{Text: long(2049)}}}}, CodeInvalidFormBody},
		{"author over", discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Author: &discordgo.MessageEmbedAuthor{Name: long(257)}}}}, CodeInvalidFormBody},
		{"6000 total across embeds", discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Description: long(3000)}, {Description: long(3000)}}}, 0},
		{"6001 total across embeds", discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Description: long(3000)}, {Description: long(3000), Title: "x"}}}, CodeInvalidFormBody},
		{"empty", discordgo.MessageSend{Content: "  "}, CodeEmptyMessage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg := tc.msg
			_, err := sess.ChannelMessageSendComplex(srv.ChannelID(), &msg)
			if tc.code == 0 && err != nil {
				t.Fatalf("send: %v", err)
			}
			if tc.code != 0 && restCode(err) != tc.code {
				t.Fatalf("send: err = %v, want code %d", err, tc.code)
			}
		})
	}
	var re *discordgo.RESTError
	_, err := sess.ChannelMessageSendComplex(srv.ChannelID(), &discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Title: long(257)}}})
	if !asREST(err, &re) || re.Response.StatusCode != http.StatusBadRequest || !strings.Contains(string(re.ResponseBody), `"embeds":{"0":{"title":{"_errors"`) {
		t.Errorf("error body = %v", err)
	}
	if _, err := sess.ChannelMessageSend("123", "x"); restCode(err) != CodeUnknownChannel {
		t.Errorf("unknown channel: err = %v", err)
	}
}

func make11() []*discordgo.MessageEmbed {
	out := make([]*discordgo.MessageEmbed, 11)
	for i := range out {
		out[i] = &discordgo.MessageEmbed{Title: "t"}
	}
	return out
}

func asREST(err error, re **discordgo.RESTError) bool {
	r, ok := err.(*discordgo.RESTError)
	*re = r
	return ok
}

func TestRateLimitRetried(t *testing.T) {
	t.Parallel()
	srv := New(t, Options{})
	sess := srv.NewSession(t)
	srv.Inject429(http.MethodPost, "/channels/", 2, 20*time.Millisecond, false)
	m, err := sess.ChannelMessageSend(srv.ChannelID(), "hello", discordgo.WithAuditLogReason("digest"))
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	var statuses []int
	for _, r := range srv.Requests() {
		statuses = append(statuses, r.Status)
		if r.AuditLogReason() != "digest" {
			t.Errorf("audit log reason = %q", r.AuditLogReason())
		}
	}
	if len(statuses) != 3 || statuses[0] != 429 || statuses[1] != 429 || statuses[2] != 200 {
		t.Errorf("statuses = %v, want 429 429 200", statuses)
	}
	if msgs := srv.Messages(srv.ChannelID()); len(msgs) != 1 || msgs[0].ID != m.ID {
		t.Errorf("messages = %+v", msgs)
	}
}

func TestNonceDedupe(t *testing.T) {
	t.Parallel()
	srv := New(t, Options{})
	sess := srv.NewSession(t)
	send := func(enforce bool, nonce string) string {
		body := map[string]any{"content": "digest", "nonce": nonce, "enforce_nonce": enforce,
			"allowed_mentions": map[string]any{"parse": []string{}}}
		raw, err := sess.RequestWithBucketID(http.MethodPost, discordgo.EndpointChannelMessages(srv.ChannelID()), body, "")
		if err != nil {
			t.Fatalf("send: %v", err)
		}
		var m discordgo.Message
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	a, b := send(true, "d1-part1"), send(true, "d1-part1")
	if a != b {
		t.Errorf("enforced nonce posted twice: %s, %s", a, b)
	}
	if c := send(true, "d1-part2"); c == a {
		t.Error("a new nonce returned the old message")
	}
	if x, y := send(false, "free"), send(false, "free"); x == y {
		t.Error("without enforce_nonce the same nonce deduplicated")
	}
	if n := len(srv.Messages(srv.ChannelID())); n != 4 {
		t.Errorf("stored %d messages, want 4", n)
	}
}

func TestThreadFromMessage(t *testing.T) {
	t.Parallel()
	srv := New(t, Options{})
	created := make(chan *discordgo.ThreadCreate, 1)
	sess := open(t, srv, func(s *discordgo.Session) {
		s.AddHandler(func(_ *discordgo.Session, tc *discordgo.ThreadCreate) { created <- tc })
	})
	m, err := sess.ChannelMessageSend(srv.ChannelID(), "summary")
	if err != nil {
		t.Fatal(err)
	}
	th, err := sess.MessageThreadStart(srv.ChannelID(), m.ID, "Article title", 1440)
	if err != nil {
		t.Fatalf("thread start: %v", err)
	}
	if th.Type != discordgo.ChannelTypeGuildPublicThread || th.ParentID != srv.ChannelID() || th.ID != m.ID || th.Name != "Article title" {
		t.Errorf("thread = %+v", th)
	}
	if ev := recv(t, created); ev.ID != th.ID || !ev.NewlyCreated {
		t.Errorf("THREAD_CREATE = %+v", ev.Channel)
	}
	if _, err := sess.ChannelMessageSend(th.ID, "in thread"); err != nil {
		t.Errorf("post in thread: %v", err)
	}
	if got := srv.Threads(); len(got) != 1 || got[0].StarterMessageID != m.ID {
		t.Errorf("Threads = %+v", got)
	}
	if stored, _ := srv.Message(m.ID); stored.ThreadID != th.ID {
		t.Errorf("starter message thread = %q", stored.ThreadID)
	}
	if _, err := sess.MessageThreadStart(srv.ChannelID(), m.ID, "again", 1440); restCode(err) != CodeThreadAlreadyExists {
		t.Errorf("second thread: err = %v", err)
	}
	for _, name := range []string{"", strings.Repeat("n", 101)} {
		if _, err := sess.ThreadStart(srv.ChannelID(), name, discordgo.ChannelTypeGuildPublicThread, 60); restCode(err) != CodeInvalidFormBody {
			t.Errorf("thread name of %d runes: err = %v", len(name), err)
		}
	}
}

func TestUnknownRouteRecorded(t *testing.T) {
	t.Parallel()
	srv := New(t, Options{})
	sess := srv.NewSession(t)
	if _, err := sess.GuildRoles(srv.GuildID()); restCode(err) != 0 {
		t.Errorf("unknown route: err = %v, want 404 code 0", err)
	}
	got := srv.UnknownRoutes()
	if len(got) != 1 || got[0].Status != http.StatusNotFound || got[0].Path != "/guilds/"+srv.GuildID()+"/roles" {
		t.Errorf("unknown routes = %+v", got)
	}
	if _, err := sess.User("@me", discordgo.WithHeader("authorization", "Bot other")); err == nil {
		t.Error("wrong token accepted")
	}
}

// TestTakeRequests: taken requests are returned once, in order, and are no
// longer recorded; later requests are.
func TestTakeRequests(t *testing.T) {
	t.Parallel()
	srv := New(t, Options{})
	sess := srv.NewSession(t)
	for range 2 {
		if _, err := sess.User("@me"); err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.TakeRequests(); len(got) != 2 || got[0].Path != "/users/@me" || got[0].Status != http.StatusOK {
		t.Fatalf("taken = %+v, want the two GET /users/@me", got)
	}
	if got := srv.Requests(); len(got) != 0 {
		t.Errorf("after TakeRequests, %d requests still recorded", len(got))
	}
	if _, err := sess.Channel(srv.ChannelID()); err != nil {
		t.Fatal(err)
	}
	if got := srv.TakeRequests(); len(got) != 1 || got[0].Path != "/channels/"+srv.ChannelID() {
		t.Errorf("taken after more requests = %+v", got)
	}
}
