package bot

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"
)

// interactionTokenLife is how long an interaction can be answered: Discord
// accepts its token for 15 minutes after creating it.
const interactionTokenLife = 15 * time.Minute

// discordEpoch is the first millisecond of 2015, where snowflake
// timestamps start.
const discordEpoch = 1420070400000

// errInteractionExpired is the cause of an interaction's context ending
// with its token: no answer can be delivered any more, so nothing is
// worth spending on it.
var errInteractionExpired = errors.New("interaction token expired")

// interactionContext is what an interaction is handled under: the
// handlers' context (cancelled at shutdown), ending as well when the
// interaction's token expires.
func (b *Bot) interactionContext(ctx context.Context, i *discordgo.Interaction) (context.Context, context.CancelFunc) {
	now := b.opts.Now()
	expires := interactionCreated(i.ID, now).Add(interactionTokenLife)
	return context.WithTimeoutCause(ctx, expires.Sub(now), errInteractionExpired)
}

// interactionCreated is when Discord created the interaction with this id:
// the id's snowflake timestamp, or received when the id has none or one
// later than received (the local clock is behind Discord's; received is
// then the earliest the token can expire by our clock).
func interactionCreated(id string, received time.Time) time.Time {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n>>22 == 0 {
		return received
	}
	created := time.UnixMilli(int64(n>>22) + discordEpoch)
	if created.After(received) {
		return received
	}
	return created
}
