package main

import (
	"log/slog"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/secbrief/secbrief/config"
	"github.com/secbrief/secbrief/digest"
	"github.com/secbrief/secbrief/internal/pgtest"
	"github.com/secbrief/secbrief/metrics"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/storage"
)

// shardGuild is a guild id that Discord puts on shard of count
// (shard = (id >> 22) % count).
func shardGuild(shard, count int) string {
	return strconv.FormatUint(uint64(shard+count)<<22, 10)
}

func TestDigestShardRule(t *testing.T) {
	g0, g1 := shardGuild(0, 2), shardGuild(1, 2)
	tests := []struct {
		name         string
		shared       bool
		shard, count int
		want0, want1 bool
	}{
		{"sqlite, one process", false, 0, 1, true, true},
		{"sqlite, shard 0 of 2", false, 0, 2, true, false},
		{"sqlite, shard 1 of 2", false, 1, 2, false, true},
		{"postgres, shard 0 of 2", true, 0, 2, true, true},
		{"postgres, shard 1 of 2", true, 1, 2, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := digestShard(tt.shared, tt.shard, tt.count)
			has := func(g string) bool { return in == nil || in(g) }
			if has(g0) != tt.want0 || has(g1) != tt.want1 {
				t.Errorf("guild on shard 0: %v, on shard 1: %v; want %v, %v", has(g0), has(g1), tt.want0, tt.want1)
			}
		})
	}
}

// TestDigestShardRuleFollowsTheStore: the bot's digests keep to the
// process's shard over SQLite, and take every guild's schedule over
// PostgreSQL (the slot claims decide there).
func TestDigestShardRuleFollowsTheStore(t *testing.T) {
	other := shardGuild(1, 2) // not this process's shard 0
	sched, err := digest.DailyAt("07:00", "UTC")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		open func(t *testing.T) *storage.Store
		want bool
	}{
		{"sqlite", func(t *testing.T) *storage.Store {
			st, err := storage.Open(t.Context(), filepath.Join(t.TempDir(), "db.sqlite"), nil)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}, false},
		{"postgres", func(t *testing.T) *storage.Store {
			st, err := storage.OpenPostgres(t.Context(), pgtest.New(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.open(t)
			t.Cleanup(func() { st.Close() })
			cfg := config.Default()
			cfg.Discord.ShardID, cfg.Discord.ShardCount = 0, 2
			a := &app{cfg: cfg, log: slog.New(slog.DiscardHandler), store: st, policy: fetchPolicy(cfg.Fetch), metrics: metrics.New()}
			d := a.newDigests(nil, nil)
			if got := d.scheduler.Set(news.DigestTarget{GuildID: other, ChannelID: "c1"}, sched); got != tt.want {
				t.Errorf("another shard's guild scheduled: %v, want %v", got, tt.want)
			}
			if !d.scheduler.Set(news.DigestTarget{GuildID: shardGuild(0, 2), ChannelID: "c0"}, sched) {
				t.Error("this shard's guild not scheduled")
			}
		})
	}
}
