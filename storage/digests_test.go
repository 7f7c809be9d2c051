package storage

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

func TestDigestLifecycle(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		now := time.Date(2026, 7, 5, 6, 0, 0, 0, time.UTC)
		st := open(t, WithClock(func() time.Time { return now }))
		const guild, channel, feed = "g", "c", "https://f.example/feed"
		if _, err := st.Subscribe(ctx, guild, feed, "F"); err != nil {
			t.Fatal(err)
		}
		items := []news.Item{
			{ID: "fresh", Title: "fresh", Published: now.Add(-time.Hour)},
			{ID: "old", Title: "old", Published: now.Add(-30 * time.Hour)},
			{ID: "first-batch", Title: "first batch"}, // undated, in the feed when it was added
		}
		if _, err := st.AddItems(ctx, feed, items); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Minute) // a later poll brings a new undated item
		if _, err := st.AddItems(ctx, feed, append(items, news.Item{ID: "undated", Title: "undated"})); err != nil {
			t.Fatal(err)
		}
		q := news.UnseenQuery{GuildID: guild, ChannelID: channel, Now: now, Lookback: 24 * time.Hour}
		ids := func() []string {
			got, err := st.UnseenItems(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, it := range got {
				if it.FeedTitle != "F" {
					t.Fatalf("item %s feed title %q", it.ID, it.FeedTitle)
				}
				out = append(out, it.ID)
			}
			return out
		}
		if got := ids(); len(got) != 2 || got[0] != "fresh" || got[1] != "undated" {
			t.Fatalf("unseen = %v, want [fresh undated] (old is outside the look-back, first-batch came with the feed)", got)
		}

		run := news.DigestRun{GuildID: guild, ChannelID: channel, Slot: "2026-07-05T06:00:00Z",
			Digest: news.Digest{GuildID: guild, ChannelID: channel, Stories: []news.Story{{Lead: news.Item{Title: "fresh"}}}},
			Items:  []news.DigestItem{{FeedURL: feed, ItemID: "fresh", Summarized: true}, {FeedURL: feed, ItemID: "undated"}}}
		id, err := st.CreateDigest(ctx, run)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateDigest(ctx, run); !errors.Is(err, news.ErrDigestExists) {
			t.Fatalf("second create of the slot: %v, want news.ErrDigestExists", err)
		}
		if got := ids(); len(got) != 0 {
			t.Fatalf("unseen while the digest is pending = %v, want none", got)
		}
		if err := st.RecordDigestPart(ctx, id, 0, "m0", false); err != nil {
			t.Fatal(err)
		}
		un, err := st.UnfinishedDigests(ctx, "")
		if err != nil || len(un) != 1 || un[0].State != news.DigestPosting || un[0].Parts[0] != "m0" ||
			len(un[0].Items) != 2 || un[0].Digest.Stories[0].Lead.Title != "fresh" {
			t.Fatalf("unfinished = %+v, %v", un, err)
		}
		if err := st.RecordDigestPart(ctx, id, 1, "m1", true); err != nil {
			t.Fatal(err)
		}
		if err := st.RecordDigestPart(ctx, id, 1, "m1", true); err != nil {
			t.Fatalf("recording the last part again: %v", err)
		}
		if un, _ := st.UnfinishedDigests(ctx, channel); len(un) != 0 {
			t.Fatalf("still unfinished after the last part: %+v", un)
		}
		// The unsummarized item is offered once more, the summarized one never.
		if got := ids(); len(got) != 1 || got[0] != "undated" {
			t.Fatalf("unseen after delivery = %v, want [undated]", got)
		}
		run2 := news.DigestRun{GuildID: guild, ChannelID: channel, Slot: "now:1", Items: []news.DigestItem{{FeedURL: feed, ItemID: "undated"}}}
		id2, err := st.CreateDigest(ctx, run2)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.RecordDigestPart(ctx, id2, 0, "m2", true); err != nil {
			t.Fatal(err)
		}
		if got := ids(); len(got) != 0 {
			t.Fatalf("unseen after the second unsummarized delivery = %v, want none", got)
		}
		if err := st.SetDigestThread(ctx, id, "th"); err != nil {
			t.Fatal(err)
		}
		last, err := st.LastPostedDigest(ctx, channel)
		if err != nil || last.ID != id2 {
			t.Fatalf("last posted = %d, %v; want %d", last.ID, err, id2)
		}
		got, err := st.DigestBySlot(ctx, channel, run.Slot)
		if err != nil || got.ThreadID != "th" || got.State != news.DigestPosted || got.PostedAt.IsZero() {
			t.Fatalf("by slot = %+v, %v", got, err)
		}
		if _, err := st.DigestBySlot(ctx, channel, "nope"); !errors.Is(err, news.ErrNotFound) {
			t.Fatalf("missing slot: %v, want news.ErrNotFound", err)
		}
		if _, err := st.CreateDigest(ctx, news.DigestRun{GuildID: guild, ChannelID: channel, Slot: "x",
			Items: []news.DigestItem{{FeedURL: feed, ItemID: "unknown"}}}); !errors.Is(err, news.ErrNotFound) {
			t.Fatalf("unknown item: %v, want news.ErrNotFound", err)
		}
	})
}

func TestUnseenRespectsSubscriptionTime(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		now := time.Date(2026, 7, 5, 6, 0, 0, 0, time.UTC)
		st := open(t, WithClock(func() time.Time { return now }))
		const feed = "https://f.example/feed"
		if _, err := st.AddItems(ctx, feed, []news.Item{{ID: "a", Published: now.Add(-2 * time.Hour)}}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(12 * time.Hour) // subscribed 12h after the item; lookback 1h
		if _, err := st.Subscribe(ctx, "g", feed, ""); err != nil {
			t.Fatal(err)
		}
		got, err := st.UnseenItems(ctx, news.UnseenQuery{GuildID: "g", ChannelID: "c", Now: now, Lookback: time.Hour})
		if err != nil || len(got) != 0 {
			t.Fatalf("unseen = %v, %v; want none (published before added_at - lookback)", got, err)
		}
	})
}

func TestDigestSchedules(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		st := open(t)
		for _, s := range []news.DigestSchedule{
			{GuildID: "g", ChannelID: "c1", Time: "07:00", Timezone: "Europe/Berlin", Enabled: true, CreatedBy: "u"},
			{GuildID: "g", ChannelID: "c2", Time: "08:00", Timezone: "UTC", Enabled: true},
			{GuildID: "h", ChannelID: "c3", Time: "09:00", Timezone: "UTC", Enabled: true},
			{GuildID: "g", ChannelID: "c1", Time: "06:30", Timezone: "Europe/Berlin", Enabled: true, CreatedBy: "u2"},
		} {
			if err := st.PutDigestSchedule(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		all, err := st.DigestSchedules(ctx, true)
		if err != nil || len(all) != 3 || all[0].Time != "06:30" || all[0].CreatedBy != "u2" || all[0].UpdatedAt.IsZero() {
			t.Fatalf("schedules = %+v, %v", all, err)
		}
		if g, err := st.GuildDigestSchedules(ctx, "g"); err != nil || len(g) != 2 || g[0].ChannelID != "c1" || g[1].ChannelID != "c2" {
			t.Fatalf("guild g's schedules = %+v, %v; want c1 and c2", g, err)
		}
		if n, err := st.DisableDigestSchedules(ctx, "g"); err != nil || n != 2 {
			t.Fatalf("disable = %d, %v; want 2", n, err)
		}
		if on, _ := st.DigestSchedules(ctx, true); len(on) != 1 || on[0].ChannelID != "c3" {
			t.Fatalf("enabled after /digest off = %+v", on)
		}
		if g, err := st.GuildDigestSchedules(ctx, "g"); err != nil || len(g) != 0 {
			t.Fatalf("guild g's enabled schedules after /digest off = %+v, %v", g, err)
		}
		if every, _ := st.DigestSchedules(ctx, false); len(every) != 3 {
			t.Fatalf("all schedules = %d, want 3", len(every))
		}
	})
}

func TestAbandonDigestFreesItems(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		now := time.Date(2026, 7, 5, 6, 0, 0, 0, time.UTC)
		st := open(t, WithClock(func() time.Time { return now }))
		const feed = "https://f.example/feed"
		if _, err := st.Subscribe(ctx, "g", feed, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := st.AddItems(ctx, feed, []news.Item{{ID: "a", Published: now}}); err != nil {
			t.Fatal(err)
		}
		id, err := st.CreateDigest(ctx, news.DigestRun{GuildID: "g", ChannelID: "c", Slot: "s", Items: []news.DigestItem{{FeedURL: feed, ItemID: "a"}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.AbandonDigest(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := st.AbandonDigest(ctx, id); !errors.Is(err, news.ErrNotFound) {
			t.Fatalf("abandon twice: %v, want news.ErrNotFound", err)
		}
		got, err := st.UnseenItems(ctx, news.UnseenQuery{GuildID: "g", ChannelID: "c", Now: now, Lookback: time.Hour})
		if err != nil || len(got) != 1 {
			t.Fatalf("unseen after abandon = %v, %v; want the item back", got, err)
		}
		if un, _ := st.UnfinishedDigests(ctx, "c"); len(un) != 0 {
			t.Fatalf("abandoned digest still unfinished: %+v", un)
		}
	})
}

func TestRecordDigestFailure(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		now := time.Date(2026, 7, 5, 6, 0, 0, 0, time.UTC)
		st := open(t, WithClock(func() time.Time { return now }))
		const feed = "https://f.example/feed"
		if _, err := st.AddItems(ctx, feed, []news.Item{{ID: "a", Published: now}}); err != nil {
			t.Fatal(err)
		}
		id, err := st.CreateDigest(ctx, news.DigestRun{GuildID: "g", ChannelID: "c", Slot: "s", Items: []news.DigestItem{{FeedURL: feed, ItemID: "a"}}})
		if err != nil {
			t.Fatal(err)
		}
		for want := 1; want <= 3; want++ {
			if n, err := st.RecordDigestFailure(ctx, id); err != nil || n != want {
				t.Fatalf("failure %d: attempts %d, %v", want, n, err)
			}
		}
		un, err := st.UnfinishedDigests(ctx, "c")
		if err != nil || len(un) != 1 || un[0].Attempts != 3 {
			t.Fatalf("unfinished = %+v, %v; want one with 3 attempts", un, err)
		}
		if err := st.RecordDigestPart(ctx, id, 0, "m0", true); err != nil {
			t.Fatal(err)
		}
		if _, err := st.RecordDigestFailure(ctx, id); !errors.Is(err, news.ErrNotFound) {
			t.Fatalf("failure of a posted digest: %v, want news.ErrNotFound", err)
		}
		if _, err := st.RecordDigestFailure(ctx, id+1); !errors.Is(err, news.ErrNotFound) {
			t.Fatalf("failure of an unknown digest: %v, want news.ErrNotFound", err)
		}
	})
}
