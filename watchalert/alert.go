package watchalert

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/watch"
)

// OnNewItems announces the new items of feedURL (the poller's
// feeds.Options.OnNewItems) that match watches of the guilds subscribed to
// it: one alert per channel and story, in each watch's channel. Failures
// are logged; they never hold the poller back.
func (a *Alerter) OnNewItems(ctx context.Context, feedURL string, items []news.Item) {
	now := a.cfg.Now()
	var fresh []news.Item
	for _, it := range items {
		if it.Published.IsZero() || now.Sub(it.Published) <= a.cfg.MaxAge {
			fresh = append(fresh, it)
		}
	}
	if len(fresh) == 0 {
		return
	}
	log := a.log.With("feed_url", feedURL)
	idx, err := a.live.Index(ctx)
	if err != nil {
		// The previous index, if any, still matches.
		log.ErrorContext(ctx, "watch alerts: load watches", "err", err)
	}
	if idx == nil || idx.Len() == 0 {
		return
	}
	guilds, err := a.cfg.Store.FeedGuilds(ctx, feedURL)
	if err != nil {
		log.ErrorContext(ctx, "watch alerts: feed guilds", "err", err)
		return
	}
	subscribed := map[string]bool{}
	for _, g := range guilds {
		subscribed[g] = true
	}
	if len(subscribed) == 0 {
		return
	}
	for _, it := range fresh {
		if ctx.Err() != nil {
			return
		}
		doc := a.doc(ctx, it)
		for guildID, hits := range idx.MatchAll(doc.Doc) {
			if !subscribed[guildID] {
				continue
			}
			// One story per guild, whatever its channels.
			st, key, err := a.story(ctx, guildID, it)
			if err != nil {
				log.ErrorContext(ctx, "watch alert: story", "guild_id", guildID, "item_id", it.ID, "err", err)
				continue
			}
			for channelID, hs := range byChannel(hits) {
				a.alert(ctx, candidate{guildID: guildID, channelID: channelID, item: it, doc: doc, hits: hs, story: st, key: key})
			}
		}
	}
}

// candidate is an item that matched watches of one channel.
type candidate struct {
	guildID, channelID string
	item               news.Item
	doc                itemDoc
	hits               []watch.Hit
	// story is the item's story in the guild, key its story key.
	story news.Story
	key   string
}

// byChannel groups hits by their watch's channel. Index.MatchAll gives one
// hit per watch, ordered by watch id, so each channel's are too.
func byChannel(hits []watch.Hit) map[string][]watch.Hit {
	out := map[string][]watch.Hit{}
	for _, h := range hits {
		out[h.Watch.ChannelID] = append(out[h.Watch.ChannelID], h)
	}
	return out
}

// alert announces c's story in c's channel unless the channel was alerted
// about the story before: it drops the watches whose
// kev_only or min_severity the story fails, summarizes it when it is to be
// posted on its own (or a watch needs its severity), claims the alert and
// posts it, or holds it for the hourly batch when the channel is past its
// cap.
func (a *Alerter) alert(ctx context.Context, c candidate) {
	st, key := c.story, c.key
	log := a.log.With("guild_id", c.guildID, "channel_id", c.channelID, "feed_url", c.item.FeedURL, "item_id", c.item.ID,
		"story_key", key)
	if _, err := a.cfg.Store.WatchAlert(ctx, c.channelID, key); err == nil {
		log.DebugContext(ctx, "watch alert: story already alerted in the channel")
		return
	} else if !errors.Is(err, news.ErrNotFound) {
		log.ErrorContext(ctx, "watch alert: look up", "err", err)
		return
	}
	st.Intel = c.doc.intel
	if more := missingIntel(st); len(more) > 0 {
		st.Intel = a.lookup(ctx, st.Intel, more)
	}
	hits := slices.DeleteFunc(slices.Clone(c.hits), func(h watch.Hit) bool {
		return h.Watch.KEVOnly && !exploited(st)
	})
	if len(hits) == 0 {
		log.DebugContext(ctx, "watch alert: no watch left (kev_only)")
		return
	}
	sent, err := a.cfg.Store.WatchAlertsSince(ctx, c.channelID, a.cfg.Now().Add(-batchEvery))
	if err != nil {
		log.ErrorContext(ctx, "watch alert: count", "err", err)
		return
	}
	batch := sent >= a.cfg.MaxPerHour
	needSeverity := slices.ContainsFunc(hits, func(h watch.Hit) bool { return h.Watch.MinSeverity != "" })
	st.Summary = a.summary(ctx, c.guildID, c.item, !batch || needSeverity, log)
	if st.Summary != nil {
		st.Intel = a.lookup(ctx, st.Intel, missingIntel(st))
	}
	sev := severity(st)
	hits = slices.DeleteFunc(hits, func(h watch.Hit) bool {
		if h.Watch.MinSeverity == "" {
			return false
		}
		// Unknown severity (no summary: budget spent, LLM failed, and no
		// KEV or critical CVSS to go by) fails the threshold: the story
		// is not claimed, so a later outlet of it may alert once it can
		// be summarized.
		return !sev.Valid() || sev.Rank() > h.Watch.MinSeverity.Rank()
	})
	if len(hits) == 0 {
		log.InfoContext(ctx, "watch alert: below the watches' min_severity", "severity", sev)
		return
	}
	ws := news.WatchedStory{Story: trimmed(st), Matches: matches(c.doc, hits)}
	body, err := json.Marshal(ws)
	if err != nil {
		log.ErrorContext(ctx, "watch alert: encode", "err", err)
		return
	}
	rec := news.WatchAlert{ChannelID: c.channelID, StoryKey: key, GuildID: c.guildID, Body: string(body), Batch: batch}
	for _, h := range hits {
		rec.WatchIDs = append(rec.WatchIDs, h.Watch.ID)
		rec.Terms = append(rec.Terms, h.Watch.Term)
	}
	ok, err := a.cfg.Store.AddWatchAlert(ctx, rec)
	if err != nil {
		log.ErrorContext(ctx, "watch alert: claim", "err", err)
		return
	}
	if !ok {
		log.DebugContext(ctx, "watch alert: claimed by another process or poll")
		return
	}
	if batch {
		log.InfoContext(ctx, "watch alert held for the hourly batch", "alerts_last_hour", sent)
		return
	}
	a.post(ctx, rec, ws, log)
}

// post posts a claimed alert and records its message. A failure Discord
// may not repeat releases the claim, so a later outlet of the story can
// alert; a refusal for good (news.ErrUndeliverable) keeps it.
func (a *Alerter) post(ctx context.Context, rec news.WatchAlert, ws news.WatchedStory, log *slog.Logger) {
	id, err := a.cfg.Poster.PostWatchAlert(ctx, rec.ChannelID, ws, nonce("w", rec.ChannelID, rec.StoryKey))
	if err != nil {
		log.WarnContext(ctx, "watch alert not posted", "err", err)
		if !errors.Is(err, news.ErrUndeliverable) {
			rctx, cancel := detached(ctx)
			defer cancel()
			if rerr := a.cfg.Store.ReleaseWatchAlert(rctx, rec.ChannelID, rec.StoryKey); rerr != nil {
				log.ErrorContext(ctx, "watch alert: release", "err", rerr)
			}
		}
		return
	}
	wctx, cancel := detached(ctx)
	defer cancel()
	if err := a.cfg.Store.SetWatchAlertMessage(wctx, rec.ChannelID, rec.StoryKey, id); err != nil {
		log.ErrorContext(ctx, "watch alert: record message", "message_id", id, "err", err)
		return
	}
	log.InfoContext(ctx, "watch alert posted", "message_id", id, "terms", strings.Join(rec.Terms, ", "))
}

// nonce is the Discord nonce of a message about parts: kind and 24 hex
// digits of their hash (25 characters, Discord's limit).
func nonce(kind string, parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s", len(p), p)
	}
	return kind + hex.EncodeToString(h.Sum(nil))[:24]
}

// trimmed is st as an alert keeps it: the lead's content cut to what the
// embed shows, the other items without content.
func trimmed(st news.Story) news.Story {
	if r := []rune(st.Lead.Content); len(r) > keptContentRunes {
		st.Lead.Content = string(r[:keptContentRunes])
	}
	others := make([]news.Item, len(st.Others))
	for i, o := range st.Others {
		o.Content = ""
		others[i] = o
	}
	st.Others = others
	return st
}

// releaseTimeout bounds a write that must follow a post even after
// shutdown: giving back a claim, recording a message id.
const releaseTimeout = 5 * time.Second

// detached is ctx without its cancellation, bounded by releaseTimeout: for
// the writes that follow a post, which run after shutdown too.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
}

// keptContentRunes is how much of the lead's content an alert keeps (the
// embed shows its first sentences when there is no summary).
const keptContentRunes = 1200

// exploited reports whether a CVE of st is in KEV.
func exploited(st news.Story) bool {
	for _, in := range st.Intel {
		if in.Exploited() {
			return true
		}
	}
	return false
}

// severity is st's severity: its summary's, raised by intel on the CVEs
// the story or its summary names (critical for a KEV or critical-CVSS
// CVE), else what intel alone says, else "" (unknown).
func severity(st news.Story) news.Severity {
	var sev news.Severity
	ids := slices.Clone(st.CVEs)
	if st.Summary != nil {
		sev = st.Summary.Severity
		ids = append(ids, st.Summary.CVEs...)
	}
	raised, _ := news.RaiseSeverity(sev, ids, st.Intel)
	return raised
}
