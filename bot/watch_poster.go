package bot

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/render"
)

// PostWatchAlert posts the alert announcing ws in channelID
// (render.WatchAlertMessage: it pings the roles its watches name and no
// one else) and returns the message id. The create carries nonce with
// enforce_nonce, so a retry whose answer was lost does not post twice.
// Errors Discord will answer the same on every retry wrap
// news.ErrUndeliverable.
func (p *DigestPoster) PostWatchAlert(ctx context.Context, channelID string, ws news.WatchedStory, nonce string) (string, error) {
	return p.postWatch(ctx, channelID, render.WatchAlertMessage(ws), nonce, "post watch alert")
}

// PostWatchBatch posts the alerts of stories held past channelID's hourly
// cap as one message (render.WatchBatchMessage), as PostWatchAlert does.
func (p *DigestPoster) PostWatchBatch(ctx context.Context, channelID string, stories []news.WatchedStory, nonce string) (string, error) {
	if len(stories) == 0 {
		return "", fmt.Errorf("post watch batch to channel %s: no stories", channelID)
	}
	return p.postWatch(ctx, channelID, render.WatchBatchMessage(stories), nonce, "post watch batch")
}

// postWatch sends msg, whose allowed mentions render set, with nonce.
func (p *DigestPoster) postWatch(ctx context.Context, channelID string, msg *discordgo.MessageSend, nonce, what string) (string, error) {
	what = fmt.Sprintf("%s to channel %s", what, channelID)
	if err := render.CheckRoleMentions(msg.AllowedMentions); err != nil {
		// Never trust a renderer with pings: roles alone, never parse.
		return "", fmt.Errorf("%s: allowed mentions %+v are not parse [] with roles only: %w", what, msg.AllowedMentions, err)
	}
	if err := render.CheckLimits(msg); err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	m, err := p.create(ctx, channelID, nonceMessage{MessageSend: msg, Nonce: nonce, EnforceNonce: true})
	if err != nil {
		return "", deliveryError(what, err)
	}
	return m.ID, nil
}
