package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/news"
)

// alertsEnv is the admin commands with KEV alerts, on a store, where
// channel-1..9 are guild-1's, "elsewhere" another guild's and "hidden" one
// the bot cannot see.
func alertsEnv(t *testing.T) *adminEnv {
	t.Helper()
	e := newAdminEnv(t)
	e.a.opts.KEVAlerts = e.st
	e.a.opts.ChannelGuild = func(_ context.Context, channelID string) (string, error) {
		switch {
		case channelID == "elsewhere":
			return "guild-2", nil
		case channelID == "hidden":
			return "", fmt.Errorf("look up channel hidden: missing access: %w", news.ErrUndeliverable)
		case strings.HasPrefix(channelID, "channel-"):
			return "guild-1", nil
		}
		return "", errors.New("unexpected channel " + channelID)
	}
	return e
}

func alertsReq(channel string, enabled any) map[string]any {
	opts := map[string]any{"channel": channel}
	if enabled != nil {
		opts["enabled"] = enabled
	}
	return opts
}

func TestDigestAlerts(t *testing.T) {
	tests := []struct {
		name    string
		before  []map[string]any // commands run first
		opts    map[string]any
		notify  error
		want    string // the answer, or the user error
		wantErr bool
		on      []string // guild-1's channels with alerts on after
		notices int
	}{
		{name: "on", opts: alertsReq("channel-2", true),
			want: "KEV alerts on in <#channel-2>: one message for each CVE CISA adds to its Known Exploited Vulnerabilities catalog from now on, " +
				"saying so when this server was sent a story about it. `/digest off` leaves them on; `/digest alerts enabled: False` stops them.",
			on: []string{"channel-2"}, notices: 1},
		{name: "on twice", before: []map[string]any{alertsReq("channel-2", true)}, opts: alertsReq("channel-2", true),
			want: "KEV alerts are already on in <#channel-2>.", on: []string{"channel-2"}, notices: 1},
		{name: "off", before: []map[string]any{alertsReq("channel-2", true), alertsReq("channel-3", true)}, opts: alertsReq("channel-2", false),
			want: "KEV alerts are off in <#channel-2>.", on: []string{"channel-3"}, notices: 2},
		{name: "off when not on", opts: alertsReq("channel-2", false), want: "KEV alerts were not on in <#channel-2>."},
		{name: "another server's channel", opts: alertsReq("elsewhere", true), wantErr: true, want: "That channel is not in this server."},
		{name: "a channel the bot cannot see", opts: alertsReq("hidden", true), wantErr: true,
			want: "I can't see <#hidden>: I need View Channel and Send Messages there."},
		{name: "a channel the bot cannot post in", opts: alertsReq("channel-2", true), notify: fmt.Errorf("403: %w", news.ErrUndeliverable),
			wantErr: true, want: "I can't post in <#channel-2>: I need View Channel and Send Messages there."},
		{name: "no enabled", opts: alertsReq("channel-2", nil), wantErr: true,
			want: "Say whether the alerts should be on (enabled: True) or off (enabled: False)."},
		{name: "too many channels", before: []map[string]any{alertsReq("channel-1", true), alertsReq("channel-2", true),
			alertsReq("channel-3", true), alertsReq("channel-4", true), alertsReq("channel-5", true)}, opts: alertsReq("channel-6", true),
			wantErr: true, want: "This server already gets KEV alerts in 5 channels, the most it may; turn one off first.",
			on: []string{"channel-1", "channel-2", "channel-3", "channel-4", "channel-5"}, notices: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := alertsEnv(t)
			for _, opts := range tt.before {
				if r := run(t.Context(), e.a.handle, admin(cmdDigest, "alerts", opts)); r.err != nil {
					t.Fatal(r.err)
				}
			}
			e.notify.err = tt.notify
			r := run(t.Context(), e.a.handle, admin(cmdDigest, "alerts", tt.opts))
			switch {
			case tt.wantErr && !isUserError(r.err, tt.want):
				t.Errorf("error %v, want %q", r.err, tt.want)
			case !tt.wantErr && (r.err != nil || r.resp.Content != tt.want || !r.resp.Private):
				t.Errorf("answer %+v, %v; want %q, privately", r.resp, r.err, tt.want)
			}
			chans, err := e.st.GuildKEVAlerts(t.Context(), "guild-1")
			if err != nil {
				t.Fatal(err)
			}
			var on []string
			for _, c := range chans {
				if c.Enabled {
					on = append(on, c.ChannelID)
					if c.CreatedBy != "user-1" {
						t.Errorf("%s set by %q", c.ChannelID, c.CreatedBy)
					}
				}
			}
			if strings.Join(on, ",") != strings.Join(tt.on, ",") {
				t.Errorf("alerts on in %v, want %v", on, tt.on)
			}
			if len(e.notify.notices) != tt.notices {
				t.Errorf("notices %q, want %d", e.notify.notices, tt.notices)
			}
		})
	}
}

// TestDigestAlertsNeedsManageServer: /digest alerts is an admin command.
func TestDigestAlertsNeedsManageServer(t *testing.T) {
	e := alertsEnv(t)
	req := admin(cmdDigest, "alerts", alertsReq("channel-2", true))
	req.Permissions = discordgo.PermissionSendMessages
	if r := run(t.Context(), e.a.handle, req); !isUserError(r.err, "You need the Manage Server permission to change digests and feeds.") || r.deferred {
		t.Errorf("result %+v", r)
	}
	if chans, _ := e.st.GuildKEVAlerts(t.Context(), "guild-1"); len(chans) != 0 {
		t.Errorf("alerts set without the permission: %+v", chans)
	}
}

// TestDigestAlertsWithoutIntel: with vulnerability data off, /digest
// alerts says so and /digest status says nothing of alerts.
func TestDigestAlertsWithoutIntel(t *testing.T) {
	e := newAdminEnv(t)
	r := run(t.Context(), e.a.handle, admin(cmdDigest, "alerts", alertsReq("channel-2", true)))
	if !isUserError(r.err, "KEV alerts need the bot's vulnerability data, which its operator turned off.") {
		t.Errorf("alerts without intel: %+v", r)
	}
	r = run(t.Context(), e.a.handle, admin(cmdDigest, "status", nil))
	if r.err != nil || strings.Contains(r.resp.Content, "KEV") {
		t.Errorf("status without intel: %+v", r)
	}
}

// TestDigestStatusAndOffWithAlerts: /digest status lists the alert
// channels; /digest off stops digests only.
func TestDigestStatusAndOffWithAlerts(t *testing.T) {
	e := alertsEnv(t)
	status := func() string {
		t.Helper()
		r := run(t.Context(), e.a.handle, admin(cmdDigest, "status", nil))
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r.resp.Content
	}
	if s := status(); !strings.Contains(s, "**KEV alerts**: off. Turn them on with `/digest alerts`.") {
		t.Errorf("status without alerts:\n%s", s)
	}
	for _, c := range []string{"channel-2", "channel-3"} {
		if r := run(t.Context(), e.a.handle, admin(cmdDigest, "alerts", alertsReq(c, true))); r.err != nil {
			t.Fatal(r.err)
		}
	}
	if s := status(); !strings.Contains(s, "**KEV alerts** in <#channel-2>, <#channel-3>.") {
		t.Errorf("status with alerts:\n%s", s)
	}
	r := run(t.Context(), e.a.handle, admin(cmdDigest, "off", nil))
	if r.err != nil || !strings.Contains(r.resp.Content, "KEV alerts stay on (`/digest alerts` turns them off).") {
		t.Errorf("off: %+v", r)
	}
	if s := status(); !strings.Contains(s, "**KEV alerts** in <#channel-2>, <#channel-3>.") {
		t.Errorf("status after /digest off:\n%s", s)
	}
}
