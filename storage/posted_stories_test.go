package storage

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

// postDigest records and posts a one-part digest of channel in guild
// showing shown and listing headline, delivering items.
func postDigest(t *testing.T, st *Store, guild, channel, slot string, d news.Digest, items []news.DigestItem) int64 {
	t.Helper()
	ctx := context.Background()
	d.GuildID, d.ChannelID = guild, channel
	id, err := st.CreateDigest(ctx, news.DigestRun{GuildID: guild, ChannelID: channel, Slot: slot, Digest: d, Items: items})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.RecordDigestPart(ctx, id, 0, "m-"+slot, true); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestPostedStoriesOfOneChannelSince(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		now := time.Date(2026, 7, 5, 6, 0, 0, 0, time.UTC)
		st := open(t, WithClock(func() time.Time { return now }))
		const feed = "https://f.example/feed"
		if _, err := st.Subscribe(ctx, "g", feed, "F"); err != nil {
			t.Fatal(err)
		}
		items := []news.Item{
			{ID: "old", Title: "Old story", Content: "old text", Published: now.Add(-9 * 24 * time.Hour)},
			{ID: "shown", Title: "Shown story", Content: "ToolShell text", Published: now},
			{ID: "listed", Title: "Listed story", Content: "listed text kept in the items table", Published: now},
		}
		if _, err := st.AddItems(ctx, feed, items); err != nil {
			t.Fatal(err)
		}
		for i := range items {
			items[i].FeedURL = feed
		}
		deliver := func(ids ...string) []news.DigestItem {
			var out []news.DigestItem
			for _, id := range ids {
				out = append(out, news.DigestItem{FeedURL: feed, ItemID: id, Summarized: true})
			}
			return out
		}
		postDigest(t, st, "g", "c", "old", news.Digest{Stories: []news.Story{{Lead: items[0]}}}, deliver("old"))
		now = now.Add(8 * 24 * time.Hour)
		sum := &news.Summary{TLDR: "tldr", CVEs: []string{"CVE-2025-53770"}}
		listed := items[2]
		listed.Content = "" // headlines are recorded without content
		id := postDigest(t, st, "g", "c", "new", news.Digest{Stories: []news.Story{{Lead: items[1], Summary: sum}},
			Headlines: []news.Story{{Lead: listed}}}, deliver("shown", "listed"))
		// Another channel of another guild, told something else.
		postDigest(t, st, "g2", "other", "new", news.Digest{Stories: []news.Story{{Lead: items[0]}}}, deliver("old"))
		// A digest recorded but not posted told the channel nothing.
		if _, err := st.CreateDigest(ctx, news.DigestRun{GuildID: "g", ChannelID: "c", Slot: "pending",
			Digest: news.Digest{Stories: []news.Story{{Lead: items[0]}}}, Items: deliver("old")}); err != nil {
			t.Fatal(err)
		}

		got, err := st.PostedStories(ctx, "c", now.Add(-7*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("posted stories = %+v, want the shown and the listed story of the digest within 7 days", got)
		}
		if got[0].DigestID != id || !got[0].PostedAt.Equal(now) || got[0].Story.Lead.ID != "shown" ||
			got[0].Story.Summary == nil || got[0].Story.Summary.CVEs[0] != "CVE-2025-53770" {
			t.Errorf("shown story = %+v, want digest %d posted %v with its summary", got[0], id, now)
		}
		if got[1].Story.Lead.ID != "listed" || !strings.Contains(got[1].Story.Lead.Content, "kept in the items table") {
			t.Errorf("listed story = %+v, want its content from the items table", got[1].Story.Lead)
		}
		if got, err := st.PostedStories(ctx, "nobody", time.Time{}); err != nil || len(got) != 0 {
			t.Errorf("channel without digests: %v, %v", got, err)
		}
	})
}

func TestPostedStoriesQueryUsesIndex(t *testing.T) {
	st := openTestStore(t)
	rows, err := st.read.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+postedDigestsSQL, "c", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if text := strings.Join(plan, "\n"); !strings.Contains(text, "digests_channel_posted") {
		t.Fatalf("plan does not use digests_channel_posted:\n%s", text)
	}
}

func TestRecordUnshownDeliversItems(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		now := time.Date(2026, 7, 5, 6, 0, 0, 0, time.UTC)
		st := open(t, WithClock(func() time.Time { return now }))
		const feed = "https://f.example/feed"
		if _, err := st.Subscribe(ctx, "g", feed, "F"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.AddItems(ctx, feed, []news.Item{{ID: "seen", Title: "a", Published: now},
			{ID: "again", Title: "b", Published: now}, {ID: "other", Title: "c", Published: now}}); err != nil {
			t.Fatal(err)
		}
		run := news.DigestRun{GuildID: "g", ChannelID: "c", Slot: "s1", Items: []news.DigestItem{
			{FeedURL: feed, ItemID: "seen", Summarized: true}, {FeedURL: feed, ItemID: "again"}}}
		if _, err := st.RecordUnshown(ctx, run); err != nil {
			t.Fatal(err)
		}
		if _, err := st.RecordUnshown(ctx, run); !errors.Is(err, news.ErrDigestExists) {
			t.Fatalf("same slot again: %v, want news.ErrDigestExists", err)
		}
		unseen, err := st.UnseenItems(ctx, news.UnseenQuery{GuildID: "g", ChannelID: "c", Now: now, Lookback: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, it := range unseen {
			ids = append(ids, it.ID)
		}
		if strings.Join(ids, ",") != "again,other" {
			t.Fatalf("unseen after RecordUnshown = %v, want [again other] (again was not summarized: offered once more)", ids)
		}
		d, err := st.DigestBySlot(ctx, "c", "s1")
		if err != nil || d.State != news.DigestEmpty {
			t.Fatalf("recorded digest %+v, %v: want state empty", d, err)
		}
		if _, err := st.LastPostedDigest(ctx, "c"); !errors.Is(err, news.ErrNotFound) {
			t.Fatalf("last posted digest after an unshown one: %v, want news.ErrNotFound", err)
		}
		bad := news.DigestRun{GuildID: "g", ChannelID: "c", Slot: "s2", Items: []news.DigestItem{{FeedURL: feed, ItemID: "missing"}}}
		if _, err := st.RecordUnshown(ctx, bad); !errors.Is(err, news.ErrNotFound) {
			t.Fatalf("unknown item: %v, want news.ErrNotFound", err)
		}
	})
}
