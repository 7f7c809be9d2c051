package fakediscord

import (
	"slices"
	"strconv"
	"testing"

	"github.com/bwmarrin/discordgo"
)

func TestShardOf(t *testing.T) {
	t.Parallel()
	id := func(ms uint64) string { return strconv.FormatUint(ms<<22|12345, 10) }
	cases := []struct {
		name    string
		guildID string
		count   int
		want    int
	}{
		{name: "one shard", guildID: id(7), count: 1, want: 0},
		{name: "no sharding", guildID: id(7), count: 0, want: 0},
		{name: "timestamp decides", guildID: id(7), count: 3, want: 1},
		{name: "low bits ignored", guildID: id(9), count: 3, want: 0},
		{name: "DM to shard 0", guildID: "", count: 3, want: 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ShardOf(tc.guildID, tc.count); got != tc.want {
				t.Errorf("ShardOf(%s, %d) = %d, want %d", tc.guildID, tc.count, got, tc.want)
			}
		})
	}
}

// TestShardsGetOnlyTheirGuilds connects one discordgo session per shard
// of three: each gets the GUILD_CREATEs and the interactions of its own
// guilds only, and Interaction.Shards says where each went.
func TestShardsGetOnlyTheirGuilds(t *testing.T) {
	t.Parallel()
	const shards = 3
	srv := New(t, Options{Guilds: 2 * shards, ShardCount: shards})
	for i := range shards {
		if got := srv.GuildsOfShard(i, shards); len(got) != 2 {
			t.Fatalf("shard %d owns guilds %v, want 2 of %v", i, got, srv.GuildIDs())
		}
	}
	rest := srv.NewSession(t)
	if gb, err := rest.GatewayBot(); err != nil || gb.Shards != shards {
		t.Errorf("GET /gateway/bot = %+v, %v; want %d shards", gb, err, shards)
	}
	if _, err := rest.ApplicationCommandBulkOverwrite(srv.AppID(), "", testCommands); err != nil {
		t.Fatalf("bulk overwrite: %v", err)
	}

	type event struct {
		shard   int
		typ     string
		guildID string
	}
	events := make(chan event, 4*shards)
	for i := range shards {
		sess := srv.NewSession(t)
		sess.ShardID, sess.ShardCount = i, shards
		sess.Identify.Intents = discordgo.IntentsGuilds
		sess.AddHandler(func(_ *discordgo.Session, g *discordgo.GuildCreate) { events <- event{i, "GUILD_CREATE", g.ID} })
		sess.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
			events <- event{i, "INTERACTION_CREATE", ic.GuildID}
		})
		if err := sess.Open(); err != nil {
			t.Fatalf("open shard %d: %v", i, err)
		}
	}
	if err := srv.Wait(testCtx(t), func() bool { return srv.Readies() == shards }); err != nil {
		t.Fatalf("wait for %d READYs: %v", shards, err)
	}
	var identified [][2]int
	for _, id := range srv.Identifies() {
		identified = append(identified, id.Shard)
	}
	slices.SortFunc(identified, func(a, b [2]int) int { return a[0] - b[0] })
	if want := [][2]int{{0, 3}, {1, 3}, {2, 3}}; !slices.Equal(identified, want) {
		t.Errorf("identified as %v, want %v", identified, want)
	}

	// collect takes n events of type typ and checks each went to the
	// shard owning its guild, once.
	collect := func(typ string, n int) {
		t.Helper()
		seen := map[string]int{}
		for range n {
			ev := recv(t, events)
			if ev.typ != typ {
				t.Fatalf("got %s for guild %s on shard %d while waiting for %s", ev.typ, ev.guildID, ev.shard, typ)
			}
			if want := ShardOf(ev.guildID, shards); ev.shard != want {
				t.Errorf("%s for guild %s reached shard %d, want %d", typ, ev.guildID, ev.shard, want)
			}
			seen[ev.guildID]++
		}
		for _, g := range srv.GuildIDs() {
			if seen[g] != 1 {
				t.Errorf("%s for guild %s arrived %d times, want once", typ, g, seen[g])
			}
		}
	}
	collect("GUILD_CREATE", 2*shards)

	var dispatched []Dispatched
	for _, g := range srv.GuildIDs() {
		spec := SlashCommand("summarize", StringOption("url", "https://example.com/"+g))
		spec.GuildID = g
		d, err := srv.DispatchInteraction(spec)
		if err != nil {
			t.Fatalf("dispatch in guild %s: %v", g, err)
		}
		dispatched = append(dispatched, d)
	}
	collect("INTERACTION_CREATE", 2*shards)
	for _, d := range dispatched {
		st, _ := srv.Interaction(d.ID)
		if want := []int{ShardOf(st.GuildID, shards)}; !slices.Equal(st.Shards, want) {
			t.Errorf("interaction in guild %s written to shards %v, want %v", st.GuildID, st.Shards, want)
		}
	}
}
