package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/render"
)

// PostKEVAlerts renders alerts with render.KEVAlertMessages and creates
// the messages in channelID, in order, as alerts.Poster documents: each
// with the nonce KEVAlertNonce(channelID, its CVEs) and enforce_nonce, and
// no allowed mentions; posted is called after each create. Errors Discord
// will answer the same on every retry wrap news.ErrUndeliverable.
func (p *DigestPoster) PostKEVAlerts(ctx context.Context, channelID string, alerts []news.KEVAlert,
	posted func(news.KEVAlertPost) error) error {
	msgs := render.KEVAlertMessages(alerts)
	for i, m := range msgs {
		what := fmt.Sprintf("post kev alert %d/%d to channel %s", i+1, len(msgs), channelID)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		m.Message.AllowedMentions = render.NoMentions()
		if err := render.CheckLimits(m.Message); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		created, err := p.create(ctx, channelID, nonceMessage{MessageSend: m.Message,
			Nonce: KEVAlertNonce(channelID, m.CVEs), EnforceNonce: true})
		if err != nil {
			return deliveryError(what, err)
		}
		if posted != nil {
			if err := posted(news.KEVAlertPost{CVEs: m.CVEs, MessageID: created.ID}); err != nil {
				return err
			}
		}
	}
	return nil
}

// KEVAlertNonce is the nonce of the KEV alert message telling cves in
// channelID: the same message retried (a lost answer, a process that died
// after posting) has the same nonce, so Discord creates it once. 24
// characters, within Discord's 25.
func KEVAlertNonce(channelID string, cves []string) string {
	sum := sha256.Sum256([]byte(channelID + "\x00" + strings.Join(cves, "\x00")))
	return "kev" + hex.EncodeToString(sum[:])[:21]
}

// ChannelGuild returns the id of the server channelID belongs to ("" for
// a direct message channel).
func (p *DigestPoster) ChannelGuild(ctx context.Context, channelID string) (string, error) {
	c, err := p.s.Channel(channelID, discordgo.WithContext(ctx))
	if err != nil {
		return "", deliveryError("look up channel "+channelID, err)
	}
	return c.GuildID, nil
}
