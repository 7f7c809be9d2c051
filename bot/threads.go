package bot

import (
	"context"
	"time"

	"github.com/bwmarrin/discordgo"
)

// threadOpeners is how many threads are opened at once; threadPatience is
// the longest a thread waits for other members' first answers.
const (
	threadOpeners  = 4
	threadPatience = 2 * time.Second
)

// threadArchiveMinutes is how long a thread stays active without
// messages: a day.
const threadArchiveMinutes = 1440

// openThread starts the thread a Response asked for on its answer msg (nil
// when Discord did not name the message and nothing fetched it yet: it is
// then fetched, after the thread's turn came, by answerMessage). Threads wait
// their turn: under a burst, first answers go before the threads of
// answers already given, and only threadOpeners open at once. A failure
// (no permission, already in a thread) is logged, not shown: the answer
// itself was delivered.
func (b *Bot) openThread(ctx context.Context, rep *reply, msg *discordgo.Message, t *Thread) {
	b.pending.wait(ctx, threadPatience)
	select {
	case b.threadSlots <- struct{}{}:
		defer func() { <-b.threadSlots }()
	case <-ctx.Done():
		return
	}
	if msg = b.answerMessage(ctx, rep, msg); msg == nil {
		return
	}
	i := rep.i
	if t.Wanted != nil && !t.Wanted(ctx) {
		return
	}
	th, err := b.client.MessageThreadStartComplex(i.ChannelID, msg.ID, &discordgo.ThreadStart{
		Name:                t.Name,
		AutoArchiveDuration: threadArchiveMinutes,
	}, discordgo.WithContext(ctx))
	if err != nil {
		b.log.Warn("start thread", "channel_id", i.ChannelID, "message_id", msg.ID, "err", err)
		return
	}
	if t.Opened != nil {
		t.Opened(ctx, th.ID)
	}
}
