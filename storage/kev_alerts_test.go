package storage

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakeclock"
	"github.com/secbrief/secbrief/news"
)

// loadKEV stores a catalog of ids, refreshed at the clock's now.
func loadKEV(t *testing.T, s *Store, now time.Time, ids ...string) {
	t.Helper()
	cat := news.KEVCatalog{Version: now.Format(time.DateOnly)}
	for _, id := range ids {
		cat.Entries = append(cat.Entries, kevEntry(id, "Acme", "Gateway"))
	}
	if _, err := s.ReplaceKEV(context.Background(), cat, news.SourceStatus{CheckedAt: now, RefreshedAt: now}); err != nil {
		t.Fatal(err)
	}
}

// channelIDs are the channel ids of cs.
func channelIDs(cs []news.KEVAlertChannel) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ChannelID)
	}
	return out
}

func TestSetKEVAlerts(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		clock := fakeclock.New(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		s := open(t, WithClock(clock.Now))
		start := clock.Now()

		on, err := s.SetKEVAlerts(ctx, news.KEVAlertChannel{GuildID: "g1", ChannelID: "c1", Enabled: true, CreatedBy: "u1"})
		if err != nil {
			t.Fatal(err)
		}
		want := news.KEVAlertChannel{GuildID: "g1", ChannelID: "c1", Enabled: true, Since: start, UpdatedAt: start, CreatedBy: "u1"}
		if on != want {
			t.Fatalf("SetKEVAlerts = %+v, want %+v", on, want)
		}
		clock.Advance(time.Hour)
		again, err := s.SetKEVAlerts(ctx, news.KEVAlertChannel{GuildID: "g1", ChannelID: "c1", Enabled: true, CreatedBy: "u2"})
		if err != nil {
			t.Fatal(err)
		}
		if !again.Since.Equal(start) || again.CreatedBy != "u2" || !again.UpdatedAt.Equal(clock.Now()) {
			t.Errorf("on again = %+v; want the place kept (%v), u2 and the new time", again, start)
		}
		clock.Advance(time.Hour)
		off, err := s.SetKEVAlerts(ctx, news.KEVAlertChannel{GuildID: "g1", ChannelID: "c1", Enabled: false, CreatedBy: "u1"})
		if err != nil || off.Enabled || !off.Since.Equal(start) {
			t.Fatalf("off = %+v, %v", off, err)
		}
		clock.Advance(time.Hour)
		back, err := s.SetKEVAlerts(ctx, news.KEVAlertChannel{GuildID: "g1", ChannelID: "c1", Enabled: true, CreatedBy: "u1"})
		if err != nil || !back.Enabled || !back.Since.Equal(clock.Now()) {
			t.Errorf("on after off = %+v, %v; want it to start now (%v): nothing from while it was off", back, err, clock.Now())
		}
		if _, err := s.SetKEVAlerts(ctx, news.KEVAlertChannel{GuildID: "g1", ChannelID: "c2", Enabled: false}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetKEVAlerts(ctx, news.KEVAlertChannel{GuildID: "g2", ChannelID: "c3", Enabled: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetKEVAlerts(ctx, news.KEVAlertChannel{ChannelID: "c4", Enabled: true}); err == nil {
			t.Error("a setting without a guild was stored")
		}
		got, err := s.GuildKEVAlerts(ctx, "g1")
		if err != nil {
			t.Fatal(err)
		}
		if ids := channelIDs(got); len(ids) != 2 || ids[0] != "c1" || ids[1] != "c2" || !got[0].Enabled || got[1].Enabled {
			t.Errorf("GuildKEVAlerts(g1) = %+v, want c1 on and c2 off", got)
		}
	})
}

func TestDueKEVAlertChannels(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		clock := fakeclock.New(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		s := open(t, WithClock(clock.Now))
		due := func() []string {
			t.Helper()
			cs, err := s.DueKEVAlertChannels(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			return channelIDs(cs)
		}
		for _, c := range []string{"c1", "c2", "off"} {
			if _, err := s.SetKEVAlerts(ctx, news.KEVAlertChannel{GuildID: "g1", ChannelID: c, Enabled: true}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.SetKEVAlerts(ctx, news.KEVAlertChannel{GuildID: "g1", ChannelID: "off", Enabled: false}); err != nil {
			t.Fatal(err)
		}
		if got := due(); len(got) != 0 {
			t.Errorf("due with no catalog = %v", got)
		}
		clock.Advance(time.Minute)
		loadKEV(t, s, clock.Now(), "CVE-2026-0001", "CVE-2026-0002")
		if got := due(); len(got) != 0 {
			t.Errorf("due after the baseline catalog = %v, want none: it alerts nothing", got)
		}
		clock.Advance(time.Hour)
		added := clock.Now()
		loadKEV(t, s, added, "CVE-2026-0001", "CVE-2026-0002", "CVE-2026-0003")
		if got := due(); len(got) != 2 || got[0] != "c1" || got[1] != "c2" {
			t.Fatalf("due after an addition = %v, want c1 and c2 (not the channel that is off)", got)
		}
		if err := s.AdvanceKEVAlerts(ctx, "c1", added); err != nil {
			t.Fatal(err)
		}
		if err := s.AdvanceKEVAlerts(ctx, "c1", added.Add(-time.Minute)); err != nil { // never back
			t.Fatal(err)
		}
		if got := due(); len(got) != 1 || got[0] != "c2" {
			t.Errorf("due after c1 handled the addition = %v, want c2", got)
		}
		cs, err := s.GuildKEVAlerts(ctx, "g1")
		if err != nil || !cs[0].Since.Equal(added) {
			t.Errorf("c1 = %+v, %v; want its place at %v", cs, err, added)
		}
	})
}

// TestClaimKEVAlerts: a CVE's alert in a channel is claimed by one owner;
// posted, it is never claimed again; released, it waits until its retry
// time; given up, never.
func TestClaimKEVAlerts(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		clock := fakeclock.New(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		a := open(t, WithClock(clock.Now), WithOwner("a"), WithLease(time.Minute))
		b := a.withOwner("b")
		claim := func(s *Store, cves ...string) []news.KEVAlertClaim {
			t.Helper()
			got, err := s.ClaimKEVAlerts(ctx, "g1", "c1", cves)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		x, y, z := "CVE-2026-0001", "CVE-2026-0002", "CVE-2026-0003"
		if got := claim(a, x, y, z); len(got) != 3 || got[0] != (news.KEVAlertClaim{CVE: x, Attempts: 1}) {
			t.Fatalf("a's claim = %+v, want all three, first attempts", got)
		}
		if got := claim(b, x, y, z); len(got) != 0 {
			t.Fatalf("b's claim while a holds them = %+v", got)
		}
		if got, err := a.ClaimKEVAlerts(ctx, "g1", "c2", []string{x}); err != nil || len(got) != 1 {
			t.Errorf("another channel's claim of %s = %+v, %v; want it", x, got, err)
		}
		if err := b.KEVAlertsPosted(ctx, "c1", []string{x}, "m-b"); err != nil {
			t.Fatal(err)
		}
		if _, _, found, _ := a.KEVAlertSent(ctx, "c1", x); found {
			t.Error("b recorded a post of a's claim")
		}
		if err := a.KEVAlertsPosted(ctx, "c1", []string{x}, "m1"); err != nil {
			t.Fatal(err)
		}
		if id, at, found, err := a.KEVAlertSent(ctx, "c1", x); err != nil || !found || id != "m1" || !at.Equal(clock.Now()) {
			t.Errorf("KEVAlertSent = %q, %v, %v, %v", id, at, found, err)
		}
		if err := a.ReleaseKEVAlerts(ctx, "c1", []string{y}, clock.Now().Add(5*time.Minute), false); err != nil {
			t.Fatal(err)
		}
		if err := a.ReleaseKEVAlerts(ctx, "c1", []string{z}, clock.Now(), true); err != nil {
			t.Fatal(err)
		}
		done, err := a.KEVAlertsDone(ctx, "c1", []string{x, y, z, "CVE-2026-0004"})
		if err != nil {
			t.Fatal(err)
		}
		if len(done) != 2 || !done[x] || !done[z] {
			t.Errorf("done = %v, want the posted and the given up", done)
		}
		clock.Advance(2 * time.Minute) // past the lease, not the retry time
		if got := claim(b, x, y, z); len(got) != 0 {
			t.Errorf("claim before the retry time = %+v", got)
		}
		clock.Advance(3 * time.Minute)
		if got := claim(b, x, y, z); len(got) != 1 || got[0] != (news.KEVAlertClaim{CVE: y, Attempts: 2}) {
			t.Errorf("claim at the retry time = %+v, want %s's second attempt only", got, y)
		}
		clock.Advance(2 * time.Minute) // b died: its lease lapsed
		if got := claim(a, y); len(got) != 1 || got[0].Attempts != 3 {
			t.Errorf("claim after b's lease lapsed = %+v, want the third attempt", got)
		}
	})
}

// TestClaimKEVAlertsRace: many owners claiming one alert at once get it
// exactly once.
func TestClaimKEVAlertsRace(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		s := open(t)
		var wg sync.WaitGroup
		var mu sync.Mutex
		winners := 0
		for i := range 8 {
			o := s.withOwner(string(rune('a' + i)))
			wg.Go(func() {
				got, err := o.ClaimKEVAlerts(ctx, "g1", "c1", []string{"CVE-2026-0001"})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				winners += len(got)
				mu.Unlock()
			})
		}
		wg.Wait()
		if winners != 1 {
			t.Errorf("%d owners got the claim, want 1", winners)
		}
	})
}
