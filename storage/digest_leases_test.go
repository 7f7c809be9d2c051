package storage

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakeclock"
	"github.com/secbrief/secbrief/news"
)

// createLeasedDigest records a pending digest of one new item in slot,
// through st (whose owner it is leased to), and returns its id.
func createLeasedDigest(t *testing.T, st *Store, slot string) int64 {
	t.Helper()
	ctx := context.Background()
	const guild, channel, feed = "g", "c", "https://f.example/feed"
	if _, err := st.Subscribe(ctx, guild, feed, "F"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddItems(ctx, feed, []news.Item{{ID: slot, Title: slot}}); err != nil {
		t.Fatal(err)
	}
	id, err := st.CreateDigest(ctx, news.DigestRun{GuildID: guild, ChannelID: channel, Slot: slot,
		Items: []news.DigestItem{{FeedURL: feed, ItemID: slot, Summarized: true}}})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// orphanIDs lists the ids OrphanedDigests returns to st.
func orphanIDs(t *testing.T, st *Store) []int64 {
	t.Helper()
	runs, err := st.OrphanedDigests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, r := range runs {
		ids = append(ids, r.ID)
	}
	return ids
}

func TestDigestLease(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		clock := fakeclock.New(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		a := open(t, WithClock(clock.Now), WithOwner("a"), WithLease(time.Minute))
		b := a.withOwner("b")
		claim := func(st *Store, id int64) bool {
			t.Helper()
			ok, err := st.ClaimDigest(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}

		id := createLeasedDigest(t, a, "s1")
		if claim(b, id) {
			t.Fatal("b claimed a digest a just created")
		}
		if !claim(a, id) {
			t.Fatal("a could not claim its own digest")
		}
		if got := orphanIDs(t, b); len(got) != 0 {
			t.Fatalf("orphaned while a's lease is live: %v", got)
		}

		// a posts a part 50 s later: that renews its lease, so b cannot
		// take over 50 s after that (100 s after the create).
		clock.Advance(50 * time.Second)
		if err := a.RecordDigestPart(ctx, id, 0, "m0", false); err != nil {
			t.Fatal(err)
		}
		clock.Advance(50 * time.Second)
		if claim(b, id) {
			t.Fatal("b took over a digest whose part a recorded 50 s ago")
		}

		// a dies: its lease lapses one lease after its last part.
		clock.Advance(11 * time.Second)
		if got := orphanIDs(t, b); !slices.Equal(got, []int64{id}) {
			t.Fatalf("b's orphaned = %v, want [%d]", got, id)
		}
		if got := orphanIDs(t, a); len(got) != 0 {
			t.Fatalf("a's own lapsed digest listed to a as orphaned: %v", got)
		}
		if !claim(b, id) {
			t.Fatal("b could not take over the lapsed digest")
		}
		if claim(a, id) {
			t.Fatal("a took back the digest b took over")
		}
		if got := orphanIDs(t, a); len(got) != 0 {
			t.Fatalf("orphaned after b's takeover: %v", got)
		}
		// A late part of the slow a records the part but does not take
		// the lease back from b.
		if err := a.RecordDigestPart(ctx, id, 1, "m1", false); err != nil {
			t.Fatal(err)
		}
		if claim(a, id) {
			t.Fatal("a's late part took the lease back from b")
		}
		if err := a.ReleaseDigest(ctx, id); err != nil {
			t.Fatal(err)
		}
		if claim(a, id) {
			t.Fatal("a's release freed b's lease")
		}

		// b fails to post and releases it: anyone may resume it at once,
		// and it is not orphaned (nobody died holding it).
		if err := b.ReleaseDigest(ctx, id); err != nil {
			t.Fatal(err)
		}
		if got := orphanIDs(t, a); len(got) != 0 {
			t.Fatalf("released digest listed as orphaned: %v", got)
		}
		if !claim(a, id) {
			t.Fatal("a could not claim a released digest")
		}

		// Posted: nobody claims it any more.
		if err := a.RecordDigestPart(ctx, id, 2, "m2", true); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
		if claim(a, id) || claim(b, id) {
			t.Fatal("a posted digest was claimed")
		}
		if got := orphanIDs(t, b); len(got) != 0 {
			t.Fatalf("posted digest listed as orphaned: %v", got)
		}
		if ok, err := a.TakeDigest(ctx, id); err != nil || ok {
			t.Fatalf("take of a posted digest = %v, %v; want false", ok, err)
		}
		if ok, err := a.ClaimDigest(ctx, 999); err != nil || ok {
			t.Fatalf("claim of an unknown digest = %v, %v; want false, nil", ok, err)
		}
	})
}

// TestTakeDigest: a restarted SQLite process takes its dead
// predecessor's digest at once, live lease or not.
func TestTakeDigest(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		clock := fakeclock.New(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		dead := open(t, WithClock(clock.Now), WithOwner("dead"), WithLease(time.Minute))
		id := createLeasedDigest(t, dead, "s1")
		next := dead.withOwner("next")
		if ok, err := next.TakeDigest(ctx, id); err != nil || !ok {
			t.Fatalf("take = %v, %v; want it", ok, err)
		}
		if ok, err := dead.ClaimDigest(ctx, id); err != nil || ok {
			t.Fatalf("the old owner's claim after the take = %v, %v; want refused", ok, err)
		}
		if ok, err := next.ClaimDigest(ctx, id); err != nil || !ok {
			t.Fatalf("the new owner's claim = %v, %v; want it", ok, err)
		}
	})
}

// TestDigestLeaseOneClaimant: of processes claiming one lapsed digest at
// once, exactly one gets it.
func TestDigestLeaseOneClaimant(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		clock := fakeclock.New(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		dead := open(t, WithClock(clock.Now), WithOwner("dead"), WithLease(time.Minute))
		id := createLeasedDigest(t, dead, "s1")
		clock.Advance(2 * time.Minute)
		const n = 8
		got := make(chan bool, n)
		for i := range n {
			go func() {
				ok, err := dead.withOwner(fmt.Sprintf("p%d", i)).ClaimDigest(ctx, id)
				if err != nil {
					t.Error(err)
				}
				got <- ok
			}()
		}
		won := 0
		for range n {
			if <-got {
				won++
			}
		}
		if won != 1 {
			t.Fatalf("%d processes took the lapsed digest over, want 1", won)
		}
	})
}

// TestUnshownDigestIsLeasedButNotClaimable: RecordUnshown leases its row
// like CreateDigest, and an empty digest is never claimed or orphaned.
func TestUnshownDigestIsLeasedButNotClaimable(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		clock := fakeclock.New(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		a := open(t, WithClock(clock.Now), WithOwner("a"), WithLease(time.Minute))
		id, err := a.RecordUnshown(ctx, news.DigestRun{GuildID: "g", ChannelID: "c", Slot: "s"})
		if err != nil {
			t.Fatal(err)
		}
		var owner string
		var until int64
		if err := a.read.QueryRowContext(ctx, `SELECT lease_owner, lease_until FROM digests WHERE id = ?`, id).
			Scan(&owner, &until); err != nil {
			t.Fatal(err)
		}
		if want := clock.Now().Add(time.Minute).UnixMicro(); owner != "a" || until != want {
			t.Errorf("lease = %q until %d, want a until %d", owner, until, want)
		}
		clock.Advance(time.Hour)
		if ok, err := a.withOwner("b").ClaimDigest(ctx, id); err != nil || ok {
			t.Errorf("claim of an empty digest = %v, %v; want false", ok, err)
		}
		if got := orphanIDs(t, a.withOwner("b")); len(got) != 0 {
			t.Errorf("empty digest orphaned: %v", got)
		}
	})
}
