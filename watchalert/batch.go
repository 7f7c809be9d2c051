package watchalert

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/secbrief/secbrief/news"
)

// pruneEvery is how often Run deletes old alert records.
const pruneEvery = 24 * time.Hour

// Run posts the channels' held alerts, each channel's as one message once
// its oldest has waited an hour (checking every CheckEvery), and deletes
// alert records older than Retention once a day, until ctx ends. Held
// alerts live in the store, so a restart or another process posts them.
func (a *Alerter) Run(ctx context.Context) error {
	tick, stop := a.cfg.NewTicker(a.cfg.CheckEvery)
	defer stop()
	var pruned time.Time
	for {
		now := a.cfg.Now()
		if pruned.IsZero() || now.Sub(pruned) >= pruneEvery {
			pruned = now
			if n, err := a.cfg.Store.PruneWatchAlerts(ctx, now.Add(-a.cfg.Retention)); err != nil && ctx.Err() == nil {
				a.log.ErrorContext(ctx, "prune watch alerts", "err", err)
			} else if n > 0 {
				a.log.InfoContext(ctx, "pruned watch alerts", "alerts", n)
			}
		}
		if err := a.FlushBatches(ctx); err != nil && ctx.Err() == nil {
			a.log.ErrorContext(ctx, "post watch alert batches", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick:
		}
	}
}

// FlushBatches posts, for each channel whose oldest held alert has waited
// an hour, all its held alerts as one message, and records it as their
// message. Of processes sharing the store one posts a channel's batch (a
// job claim), and the message's nonce is the batch's own, so a retry
// after a lost answer does not post it twice.
func (a *Alerter) FlushBatches(ctx context.Context) error {
	held, err := a.cfg.Store.HeldWatchAlerts(ctx, "")
	if err != nil {
		return err
	}
	byChannel := map[string][]news.WatchAlert{}
	var channels []string
	for _, h := range held {
		if _, ok := byChannel[h.ChannelID]; !ok {
			channels = append(channels, h.ChannelID)
		}
		byChannel[h.ChannelID] = append(byChannel[h.ChannelID], h)
	}
	now := a.cfg.Now()
	var errs []error
	for _, ch := range channels {
		oldest := slices.MinFunc(byChannel[ch], func(x, y news.WatchAlert) int { return x.ClaimedAt.Compare(y.ClaimedAt) })
		if now.Sub(oldest.ClaimedAt) < batchEvery {
			continue
		}
		if err := a.flush(ctx, ch); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// flush posts channelID's held alerts under the channel's batch claim.
func (a *Alerter) flush(ctx context.Context, channelID string) error {
	log := a.log.With("channel_id", channelID)
	key := "watchbatch:" + channelID
	ok, err := a.cfg.Store.Claim(ctx, key)
	if err != nil || !ok {
		return err // another process posts it
	}
	defer func() {
		rctx, cancel := detached(ctx)
		defer cancel()
		if err := a.cfg.Store.Release(rctx, key); err != nil {
			log.WarnContext(ctx, "release watch batch claim", "err", err)
		}
	}()
	// Read again under the claim: another process may have posted them.
	held, err := a.cfg.Store.HeldWatchAlerts(ctx, channelID)
	if err != nil || len(held) == 0 {
		return err
	}
	var stories []news.WatchedStory
	var keys []string
	for _, h := range held {
		var ws news.WatchedStory
		if err := json.Unmarshal([]byte(h.Body), &ws); err != nil {
			log.ErrorContext(ctx, "held watch alert unreadable; shown by its terms only", "story_key", h.StoryKey, "err", err)
			ws = news.WatchedStory{}
			for _, t := range h.Terms {
				ws.Matches = append(ws.Matches, news.WatchMatch{Term: t})
			}
		}
		stories = append(stories, ws)
		keys = append(keys, h.StoryKey)
	}
	id, err := a.cfg.Poster.PostWatchBatch(ctx, channelID, stories, nonce("b", append([]string{channelID}, keys...)...))
	if err != nil {
		if errors.Is(err, news.ErrUndeliverable) {
			// The channel will never take it: mark them done, not retried forever.
			log.WarnContext(ctx, "watch alert batch undeliverable; dropped", "alerts", len(held), "err", err)
			id = "undeliverable"
		} else {
			return err
		}
	}
	wctx, cancel := detached(ctx)
	defer cancel()
	var errs []error
	for _, k := range keys {
		if err := a.cfg.Store.SetWatchAlertMessage(wctx, channelID, k, id); err != nil {
			errs = append(errs, err)
		}
	}
	log.InfoContext(ctx, "watch alert batch posted", "message_id", id, "alerts", len(held))
	return errors.Join(errs...)
}
