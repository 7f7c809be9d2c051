package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/news"
)

// maxKEVAlertChannels bounds the channels of one server that get KEV
// alerts: each is one more message per catalog addition.
const maxKEVAlertChannels = 5

// KEVAlertStore keeps the servers' KEV alert channels (package storage).
type KEVAlertStore interface {
	SetKEVAlerts(ctx context.Context, c news.KEVAlertChannel) (news.KEVAlertChannel, error)
	GuildKEVAlerts(ctx context.Context, guildID string) ([]news.KEVAlertChannel, error)
}

// ChannelGuildFunc returns the server a channel belongs to
// (bot.DigestPoster.ChannelGuild).
type ChannelGuildFunc func(ctx context.Context, channelID string) (guildID string, err error)

// digestAlerts handles /digest alerts channel: enabled: — KEV alerts on or
// off in a channel of this server. /digest off leaves them alone.
func (a *Admin) digestAlerts(ctx context.Context, req bot.Request) (bot.Response, error) {
	if a.opts.KEVAlerts == nil || a.opts.ChannelGuild == nil {
		return bot.Response{}, userErrorf("KEV alerts need the bot's vulnerability data, which its operator turned off.")
	}
	channelID := req.String("channel")
	if channelID == "" {
		return bot.Response{}, userErrorf("Pick the channel for the alerts.")
	}
	enabled, ok := req.Options["enabled"].(bool)
	if !ok {
		return bot.Response{}, userErrorf("Say whether the alerts should be on (enabled: True) or off (enabled: False).")
	}
	current, err := a.kevAlertsOn(ctx, req.GuildID)
	if err != nil {
		return bot.Response{}, err
	}
	on := slices.Contains(current, channelID)
	if !enabled {
		if !on {
			return privately(fmt.Sprintf("KEV alerts were not on in <#%s>.", channelID)), nil
		}
		if _, err := a.opts.KEVAlerts.SetKEVAlerts(ctx, news.KEVAlertChannel{GuildID: req.GuildID, ChannelID: channelID, Enabled: false, CreatedBy: req.UserID}); err != nil {
			return bot.Response{}, fmt.Errorf("store kev alerts: %w", err)
		}
		return privately(fmt.Sprintf("KEV alerts are off in <#%s>.", channelID)), nil
	}
	if on {
		return privately(fmt.Sprintf("KEV alerts are already on in <#%s>.", channelID)), nil
	}
	guildID, err := a.opts.ChannelGuild(ctx, channelID)
	switch {
	case errors.Is(err, news.ErrUndeliverable):
		return bot.Response{}, &UserError{Msg: fmt.Sprintf("I can't see <#%s>: I need View Channel and Send Messages there.", channelID), Cause: err}
	case err != nil:
		return bot.Response{}, fmt.Errorf("look up channel: %w", err)
	case guildID != req.GuildID:
		return bot.Response{}, userErrorf("That channel is not in this server.")
	}
	if n := len(current); n >= maxKEVAlertChannels {
		return bot.Response{}, userErrorf("This server already gets KEV alerts in %d channels, the most it may; turn one off first.", n)
	}
	// Say so in the channel: it tells its readers, and proves now that the
	// bot may post there.
	err = a.notifier.Notify(ctx, channelID, "This channel will get an alert each time CISA adds a CVE to its Known Exploited Vulnerabilities catalog.")
	if err != nil {
		return bot.Response{}, &UserError{Msg: fmt.Sprintf("I can't post in <#%s>: I need View Channel and Send Messages there.", channelID), Cause: err}
	}
	if _, err := a.opts.KEVAlerts.SetKEVAlerts(ctx, news.KEVAlertChannel{GuildID: req.GuildID, ChannelID: channelID, Enabled: true, CreatedBy: req.UserID}); err != nil {
		return bot.Response{}, fmt.Errorf("store kev alerts: %w", err)
	}
	return privately(fmt.Sprintf("KEV alerts on in <#%s>: one message for each CVE CISA adds to its Known Exploited Vulnerabilities catalog from now on, "+
		"saying so when this server was sent a story about it. `/digest off` leaves them on; `/digest alerts enabled: False` stops them.", channelID)), nil
}

// kevAlertStatus is /digest status's line on KEV alerts; "" when they are
// not available.
func (a *Admin) kevAlertStatus(ctx context.Context, guildID string) (string, error) {
	if a.opts.KEVAlerts == nil {
		return "", nil
	}
	on, err := a.kevAlertsOn(ctx, guildID)
	if err != nil {
		return "", err
	}
	if len(on) == 0 {
		return "**KEV alerts**: off. Turn them on with `/digest alerts`.\n", nil
	}
	for i, c := range on {
		on[i] = "<#" + c + ">"
	}
	return "**KEV alerts** in " + strings.Join(on, ", ") + ".\n", nil
}

// kevAlertsOn returns the channels of guildID with KEV alerts on (none
// when they are not available).
func (a *Admin) kevAlertsOn(ctx context.Context, guildID string) ([]string, error) {
	if a.opts.KEVAlerts == nil {
		return nil, nil
	}
	chans, err := a.opts.KEVAlerts.GuildKEVAlerts(ctx, guildID)
	if err != nil {
		return nil, fmt.Errorf("load kev alerts: %w", err)
	}
	var on []string
	for _, c := range chans {
		if c.Enabled {
			on = append(on, c.ChannelID)
		}
	}
	return on, nil
}
