package alerts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/secbrief/secbrief/news"
)

// channel alerts ch of the entries past its place, then moves its place
// past every refresh whose additions are all done there (posted or given
// up): an alert another process holds, or one waiting to be tried again,
// keeps the place before it, so it is looked at again.
func (j *Job) channel(ctx context.Context, ch news.KEVAlertChannel, entries []news.KEVEntry) error {
	var mine []news.KEVEntry
	for _, e := range entries {
		if e.FirstSeenAt.After(ch.Since) {
			mine = append(mine, e)
		}
	}
	if len(mine) == 0 {
		return nil
	}
	ids := make([]string, len(mine))
	for i, e := range mine {
		ids[i] = e.CVEID
	}
	claims, err := j.store.ClaimKEVAlerts(ctx, ch.GuildID, ch.ChannelID, ids)
	if err != nil {
		return fmt.Errorf("kev alerts in channel %s: %w", ch.ChannelID, err)
	}
	var postErr error
	if len(claims) > 0 {
		postErr = j.post(ctx, ch, mine, claims)
	}
	done, err := j.store.KEVAlertsDone(ctx, ch.ChannelID, ids)
	if err != nil {
		return errors.Join(postErr, fmt.Errorf("kev alerts in channel %s: %w", ch.ChannelID, err))
	}
	through := ch.Since
	for i := 0; i < len(mine); {
		at := mine[i].FirstSeenAt
		all := true
		for ; i < len(mine) && mine[i].FirstSeenAt.Equal(at); i++ {
			all = all && done[mine[i].CVEID]
		}
		if !all {
			break
		}
		through = at
	}
	if through.After(ch.Since) {
		if err := j.store.AdvanceKEVAlerts(ctx, ch.ChannelID, through); err != nil {
			return errors.Join(postErr, fmt.Errorf("kev alerts in channel %s: %w", ch.ChannelID, err))
		}
	}
	return postErr
}

// post posts the claimed alerts of entries in ch and records each message;
// claims left unposted by a failure are released, to be tried again after
// a backoff, or given up after the last attempt or when Discord refuses
// the channel.
func (j *Job) post(ctx context.Context, ch news.KEVAlertChannel, entries []news.KEVEntry, claims []news.KEVAlertClaim) error {
	log := j.log.With("guild_id", ch.GuildID, "channel_id", ch.ChannelID)
	claimed := make([]string, len(claims))
	for i, c := range claims {
		claimed[i] = c.CVE
	}
	known, err := j.intel.Lookup(ctx, claimed...)
	if err != nil {
		log.WarnContext(ctx, "kev alerts without cvss and epss", "error", err)
		known = nil
	}
	var alerts []news.KEVAlert
	for _, e := range entries {
		if !slices.Contains(claimed, e.CVEID) {
			continue
		}
		in := known[e.CVEID]
		in.ID = e.CVEID
		stories, err := j.store.PostedCVEs(ctx, ch.GuildID, e.CVEID, storiesPerAlert)
		if err != nil {
			log.WarnContext(ctx, "kev alert without the server's stories", "cve", e.CVEID, "error", err)
		}
		alerts = append(alerts, news.KEVAlert{Entry: e, Intel: in, Stories: news.PostedIn(stories, ch.ChannelID)})
	}
	var posted []string
	err = j.poster.PostKEVAlerts(ctx, ch.ChannelID, alerts, func(p news.KEVAlertPost) error {
		posted = append(posted, p.CVEs...)
		// Record it even when ctx ends now: the message is out.
		return j.store.KEVAlertsPosted(context.WithoutCancel(ctx), ch.ChannelID, p.CVEs, p.MessageID)
	})
	if err == nil {
		log.InfoContext(ctx, "kev alerts posted", "cves", posted)
		return nil
	}
	undeliverable := errors.Is(err, news.ErrUndeliverable)
	now := j.opts.Clock.Now()
	var retry, giveUp []string
	var retryAt time.Time
	for _, c := range claims {
		switch {
		case slices.Contains(posted, c.CVE):
		case undeliverable || c.Attempts >= j.opts.Attempts:
			giveUp = append(giveUp, c.CVE)
		default:
			retry = append(retry, c.CVE)
			retryAt = later(retryAt, now.Add(backoff(c.Attempts)))
		}
	}
	release := context.WithoutCancel(ctx)
	rerr := errors.Join(
		j.store.ReleaseKEVAlerts(release, ch.ChannelID, retry, retryAt, false),
		j.store.ReleaseKEVAlerts(release, ch.ChannelID, giveUp, now, true))
	log.WarnContext(ctx, "kev alerts not posted", "error", err, "retry", retry, "retry_at", retryAt,
		"given_up", giveUp)
	return errors.Join(fmt.Errorf("post kev alerts to channel %s: %w", ch.ChannelID, err), rerr)
}

// backoff is the wait after the attempt-th failed attempt.
func backoff(attempt int) time.Duration {
	d := retryBase
	for i := 1; i < attempt && d < retryMax; i++ {
		d *= 2
	}
	return min(d, retryMax)
}

// later is the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
