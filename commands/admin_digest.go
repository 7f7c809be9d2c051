package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/internal/schedule"
	"github.com/secbrief/secbrief/news"
)

// digestSetup handles /digest setup channel: time: [timezone:].
func (a *Admin) digestSetup(ctx context.Context, req bot.Request) (bot.Response, error) {
	channelID := req.String("channel")
	at := req.String("time")
	tz := req.String("timezone")
	if tz == "" {
		tz = "UTC"
	}
	if channelID == "" {
		return bot.Response{}, userErrorf("Pick the channel the digest goes to.")
	}
	if _, err := time.Parse("15:04", at); err != nil || len(at) != 5 {
		return bot.Response{}, userErrorf("%q is not a time: use HH:MM on a 24-hour clock, e.g. 08:30.", at)
	}
	if _, err := time.LoadLocation(tz); err != nil || tz == "Local" {
		return bot.Response{}, userErrorf("%q is not a time zone I know: use an IANA name such as Europe/Berlin or America/New_York.", tz)
	}
	sched, err := schedule.Daily(at, tz)
	if err != nil {
		return bot.Response{}, userErrorf("I can't schedule %s in %s: %v.", at, tz, err)
	}
	// Say so in the channel: it tells its readers, and proves now, not at
	// the first digest, that the bot may post there.
	err = a.notifier.Notify(ctx, channelID, fmt.Sprintf("This channel will get the daily security news digest at %s (%s).", at, tz))
	if err != nil {
		return bot.Response{}, &UserError{Msg: fmt.Sprintf("I can't post in <#%s>: I need View Channel, Send Messages, Embed Links and Create Public Threads there.", channelID), Cause: err}
	}
	err = a.store.PutDigestSchedule(ctx, news.DigestSchedule{
		GuildID: req.GuildID, ChannelID: channelID, Time: at, Timezone: tz, Enabled: true, CreatedBy: req.UserID,
	})
	if err != nil {
		return bot.Response{}, fmt.Errorf("store schedule: %w", err)
	}
	target := news.DigestTarget{GuildID: req.GuildID, ChannelID: channelID}
	msg := fmt.Sprintf("Daily digest set: <#%s> every day at %s (%s).", channelID, at, tz)
	if a.scheduler.Set(target, sched) {
		next := a.scheduler.Next(channelID)
		msg += fmt.Sprintf(" Next one %s.", discordTime(next))
	}
	return privately(msg), nil
}

// digestStatus handles /digest status: schedules with their next run, the
// feeds, and the last digest.
func (a *Admin) digestStatus(ctx context.Context, req bot.Request) (bot.Response, error) {
	scheds, err := a.store.GuildDigestSchedules(ctx, req.GuildID)
	if err != nil {
		return bot.Response{}, fmt.Errorf("load schedules: %w", err)
	}
	var b strings.Builder
	channels := []string{}
	line := func(channelID, when string) {
		channels = append(channels, channelID)
		fmt.Fprintf(&b, "**Digest** in <#%s> %s", channelID, when)
		if next := a.scheduler.Next(channelID); !next.IsZero() {
			fmt.Fprintf(&b, ", next %s", discordTime(next))
		}
		b.WriteString("\n")
	}
	for _, s := range scheds {
		line(s.ChannelID, fmt.Sprintf("daily at %s (%s)", s.Time, s.Timezone))
	}
	for _, od := range a.operatorDigests() {
		if od.GuildID == req.GuildID {
			line(od.ChannelID, fmt.Sprintf("on schedule `%s` (%s), set by the bot's operator", od.Schedule, od.Timezone))
		}
	}
	if len(channels) == 0 {
		b.WriteString("**No scheduled digest** in this server. Set one with `/digest setup`.\n")
	}
	if !slices.Contains(channels, req.ChannelID) {
		channels = append(channels, req.ChannelID)
	}
	for _, ch := range channels {
		last, err := a.store.LastPostedDigest(ctx, ch)
		switch {
		case errors.Is(err, news.ErrNotFound):
		case err != nil:
			return bot.Response{}, fmt.Errorf("last digest: %w", err)
		default:
			fmt.Fprintf(&b, "**Last digest** in <#%s>: %s, %d stories.\n", ch, discordTime(last.PostedAt), len(last.Digest.Stories))
		}
	}
	feeds, err := a.store.GuildFeeds(ctx, req.GuildID)
	if err != nil {
		return bot.Response{}, fmt.Errorf("load feeds: %w", err)
	}
	disabled := 0
	for _, f := range feeds {
		if f.Disabled() {
			disabled++
		}
	}
	alerts, err := a.kevAlertStatus(ctx, req.GuildID)
	if err != nil {
		return bot.Response{}, err
	}
	b.WriteString(alerts)
	fmt.Fprintf(&b, "**Feeds**: %d", len(feeds))
	if disabled > 0 {
		fmt.Fprintf(&b, " (%d disabled after repeated failures)", disabled)
	}
	b.WriteString(". See `/feeds list`.")
	return privately(b.String()), nil
}

// digestOff handles /digest off: every scheduled digest of the server stops.
func (a *Admin) digestOff(ctx context.Context, req bot.Request) (bot.Response, error) {
	scheds, err := a.store.GuildDigestSchedules(ctx, req.GuildID)
	if err != nil {
		return bot.Response{}, fmt.Errorf("load schedules: %w", err)
	}
	n, err := a.store.DisableDigestSchedules(ctx, req.GuildID)
	if err != nil {
		return bot.Response{}, fmt.Errorf("disable schedules: %w", err)
	}
	for _, s := range scheds {
		a.scheduler.Remove(s.ChannelID)
	}
	msg := "There was no scheduled digest to stop."
	if n > 0 {
		msg = fmt.Sprintf("Stopped %d scheduled digest(s). `/digest now` still works; `/digest setup` starts again.", n)
	}
	if on, err := a.kevAlertsOn(ctx, req.GuildID); err == nil && len(on) > 0 {
		msg += " KEV alerts stay on (`/digest alerts` turns them off)."
	}
	for _, od := range a.operatorDigests() {
		if od.GuildID == req.GuildID {
			msg += " The digests the bot's operator declared in its configuration keep running; ask the operator to change them."
			break
		}
	}
	return privately(msg), nil
}

// errDigestBusy answers /digest now while another of the bot's processes
// posts a digest of the channel.
const errDigestBusy = "A digest of this channel is being posted right now. Try again in a minute."

// digestNow handles /digest now: a digest of what is new, posted here.
func (a *Admin) digestNow(ctx context.Context, req bot.Request) (bot.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, digestNowTimeout)
	defer cancel()
	target := news.DigestTarget{GuildID: req.GuildID, ChannelID: req.ChannelID, Location: a.channelZone(ctx, req.GuildID, req.ChannelID)}
	res, err := a.runner.Now(ctx, target)
	switch {
	case errors.Is(err, news.ErrNothingNew):
		msg := "Nothing new in this server's feeds within the look-back window."
		if last, err := a.store.LastPostedDigest(ctx, req.ChannelID); err == nil {
			msg = fmt.Sprintf("Nothing new since the last digest here (%s).", discordTime(last.PostedAt))
		}
		return privately(msg), nil
	case errors.Is(err, news.ErrDigestBusy):
		return bot.Response{}, &UserError{Msg: errDigestBusy, Cause: err}
	case errors.Is(err, news.ErrUndeliverable):
		return bot.Response{}, &UserError{Msg: "Discord refused the digest in this channel. Check that I have View Channel, Send Messages, Embed Links and Create Public Threads here; the operator's log has Discord's answer.", Cause: err}
	case err != nil:
		return bot.Response{}, err
	}
	msg := "Posted a digest of " + countOf(len(res.Digest.Stories), "story", "stories")
	if n := len(res.Digest.Headlines); n > 0 {
		msg += fmt.Sprintf(", and listed %d more by headline", n)
	}
	if res.Digest.More > 0 {
		msg += fmt.Sprintf(" (%d more did not fit)", res.Digest.More)
	}
	return privately(msg + "."), nil
}

// channelZone is the time zone of the channel's digest schedule (stored or
// declared by the operator), so /digest now is dated in the channel's day;
// nil (UTC) when it has none.
func (a *Admin) channelZone(ctx context.Context, guildID, channelID string) *time.Location {
	zone := ""
	for _, od := range a.operatorDigests() {
		if od.ChannelID == channelID {
			zone = od.Timezone
		}
	}
	if scheds, err := a.store.GuildDigestSchedules(ctx, guildID); err == nil {
		for _, s := range scheds {
			if s.ChannelID == channelID {
				zone = s.Timezone
			}
		}
	}
	if loc, err := time.LoadLocation(zone); err == nil && zone != "" {
		return loc
	}
	return nil
}

// digestNowTimeout bounds /digest now within the 15 minutes an
// interaction token can still edit its answer.
const digestNowTimeout = 12 * time.Minute

// discordTime renders t as a Discord timestamp: absolute and relative, in
// each reader's own time zone.
func discordTime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return fmt.Sprintf("<t:%d:f> (<t:%d:R>)", t.Unix(), t.Unix())
}

// countOf is n with the singular or plural noun: "1 story", "2 stories".
func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
