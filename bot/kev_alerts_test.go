package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/secbrief/secbrief/internal/fakediscord"
	"github.com/secbrief/secbrief/news"
)

// kevAlerts are n KEV alerts with long, hostile catalog text.
func kevAlerts(n int) []news.KEVAlert {
	var out []news.KEVAlert
	for i := range n {
		out = append(out, news.KEVAlert{Entry: news.KEVEntry{CVEID: fmt.Sprintf("CVE-2026-%04d", i+1),
			VendorProject: "Acme", Product: "Gateway",
			VulnerabilityName: "@everyone <@123> " + strings.Repeat("flaw ", 60)}})
	}
	return out
}

// TestPostKEVAlerts: alerts go out in as few messages as fit, each with
// its own nonce, enforce_nonce and no pings; posted learns each message's
// CVEs; the same alerts retried make no new message.
func TestPostKEVAlerts(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	p := NewDigestPoster(srv.NewSession(t), nil)
	channel := srv.ChannelID()
	alerts := kevAlerts(12)
	var posts []news.KEVAlertPost
	record := func(post news.KEVAlertPost) error { posts = append(posts, post); return nil }
	if err := p.PostKEVAlerts(t.Context(), channel, alerts, record); err != nil {
		t.Fatal(err)
	}
	reqs := creates(srv, channel)
	if len(reqs) < 2 || len(reqs) >= len(alerts) || len(posts) != len(reqs) {
		t.Fatalf("%d creates, %d posts for %d alerts: want them batched", len(reqs), len(posts), len(alerts))
	}
	var told []string
	for i, post := range posts {
		checkCreate(t, reqs[i], KEVAlertNonce(channel, post.CVEs))
		told = append(told, post.CVEs...)
	}
	if len(told) != len(alerts) || told[0] != alerts[0].Entry.CVEID || told[len(told)-1] != alerts[len(alerts)-1].Entry.CVEID {
		t.Errorf("CVEs told %v", told)
	}
	msgs := len(srv.Messages(channel))
	if err := p.PostKEVAlerts(t.Context(), channel, alerts, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages(channel)); n != msgs {
		t.Errorf("a retry within the nonce window made %d new messages", n-msgs)
	}
}

// TestPostKEVAlertsStopsWhenRecordingFails: posted's error stops the
// posting and comes back.
func TestPostKEVAlertsStopsWhenRecordingFails(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	p := NewDigestPoster(srv.NewSession(t), nil)
	errRecord := errors.New("store down")
	err := p.PostKEVAlerts(t.Context(), srv.ChannelID(), kevAlerts(12), func(news.KEVAlertPost) error { return errRecord })
	if !errors.Is(err, errRecord) || len(creates(srv, srv.ChannelID())) != 1 {
		t.Errorf("err %v after %d creates; want the record error after one", err, len(creates(srv, srv.ChannelID())))
	}
}

// TestPostKEVAlertsUnknownChannel: a channel Discord does not know is
// undeliverable; ChannelGuild says so too.
func TestPostKEVAlertsUnknownChannel(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	p := NewDigestPoster(srv.NewSession(t), nil)
	if err := p.PostKEVAlerts(t.Context(), "123456789012345678", kevAlerts(1), nil); !errors.Is(err, news.ErrUndeliverable) {
		t.Errorf("PostKEVAlerts to an unknown channel = %v", err)
	}
	if _, err := p.ChannelGuild(context.Background(), "123456789012345678"); !errors.Is(err, news.ErrUndeliverable) {
		t.Errorf("ChannelGuild of an unknown channel = %v", err)
	}
	if g, err := p.ChannelGuild(context.Background(), srv.ChannelID()); err != nil || g != srv.GuildID() {
		t.Errorf("ChannelGuild = %q, %v; want %q", g, err, srv.GuildID())
	}
}

func TestKEVAlertNonce(t *testing.T) {
	t.Parallel()
	a := KEVAlertNonce("1", []string{"CVE-2026-0001"})
	if len(a) > 25 || a == KEVAlertNonce("2", []string{"CVE-2026-0001"}) || a == KEVAlertNonce("1", []string{"CVE-2026-0002"}) ||
		a != KEVAlertNonce("1", []string{"CVE-2026-0001"}) {
		t.Errorf("nonce %q: want at most 25 characters, stable, one per channel and CVEs", a)
	}
}
