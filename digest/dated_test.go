package digest

import (
	"context"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

// TestDigestDatedInChannelZone: a digest at 07:00 in Tokyo runs at 22:00
// UTC the day before; it is dated the channel's day, also when resumed
// from the store.
func TestDigestDatedInChannelZone(t *testing.T) {
	tokyo := mustLoc(t, "Asia/Tokyo")
	slot := time.Date(2026, 7, 6, 7, 0, 0, 0, tokyo) // 2026-07-05T22:00Z
	tests := []struct {
		name string
		run  func(r *Runner) (news.DigestResult, error)
	}{
		{"scheduled, zone from the slot", func(r *Runner) (news.DigestResult, error) {
			return r.Scheduled(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel}, slot)
		}},
		{"now, zone from the target", func(r *Runner) (news.DigestResult, error) {
			return r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel, Location: tokyo})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.clock.Advance(slot.Sub(e.clock.Now()))
			e.addItems(t, "feed-a", 2, distinct)
			res, err := tc.run(e.runner(Config{}))
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Digest.At.Format("2006-01-02 15:04"); got != "2026-07-06 07:00" {
				t.Errorf("digest dated %s, want 2026-07-06 07:00 (Tokyo)", got)
			}
			stored, err := e.store.LastPostedDigest(context.Background(), channel)
			if err != nil {
				t.Fatal(err)
			}
			if got := stored.Digest.At.Format("2006-01-02"); got != "2026-07-06" {
				t.Errorf("stored digest dated %s, want 2026-07-06", got)
			}
		})
	}
}
