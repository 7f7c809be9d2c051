package storage

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

func TestAddWatch(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		clock := &testClock{t: time.Date(2026, 12, 5, 9, 0, 0, 123456789, time.UTC)}
		s := open(t, WithClock(clock.Now))

		w, err := s.AddWatch(ctx, news.Watch{GuildID: "g1", ChannelID: "c1", Term: "  Ivanti \t Connect  Secure ",
			RoleID: "r1", MinSeverity: news.SeverityHigh, KEVOnly: true, CreatedBy: "u1"}, 3)
		if err != nil {
			t.Fatal(err)
		}
		want := news.Watch{ID: w.ID, GuildID: "g1", ChannelID: "c1", Term: "Ivanti Connect Secure", RoleID: "r1",
			MinSeverity: news.SeverityHigh, KEVOnly: true, CreatedBy: "u1", CreatedAt: clock.t.Truncate(time.Microsecond)}
		if w.ID == 0 || !reflect.DeepEqual(w, want) {
			t.Fatalf("AddWatch = %+v, want %+v", w, want)
		}

		cases := []struct {
			name string
			w    news.Watch
			max  int
			err  error // nil: added
		}{
			{"same term, other case and spacing", news.Watch{GuildID: "g1", ChannelID: "c1", Term: "ivanti connect\nSECURE"}, 3, news.ErrWatchExists},
			{"same term, other channel", news.Watch{GuildID: "g1", ChannelID: "c2", Term: "Ivanti Connect Secure"}, 3, nil},
			{"same term, other guild", news.Watch{GuildID: "g2", ChannelID: "c9", Term: "Ivanti Connect Secure"}, 1, nil},
			{"third of three", news.Watch{GuildID: "g1", ChannelID: "c1", Term: "SAP"}, 3, nil},
			{"fourth of three", news.Watch{GuildID: "g1", ChannelID: "c1", Term: "Fortinet"}, 3, news.ErrTooManyWatches},
			{"existing term at the limit says exists", news.Watch{GuildID: "g1", ChannelID: "c1", Term: "sap"}, 3, news.ErrWatchExists},
			{"no limit", news.Watch{GuildID: "g1", ChannelID: "c1", Term: "Fortinet"}, 0, nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got, err := s.AddWatch(ctx, c.w, c.max)
				if c.err == nil {
					if err != nil || got.ID == 0 {
						t.Fatalf("AddWatch = %+v, %v; want added", got, err)
					}
					return
				}
				if !errors.Is(err, c.err) {
					t.Fatalf("AddWatch = %+v, %v; want %v", got, err, c.err)
				}
			})
		}
		for _, bad := range []news.Watch{
			{GuildID: "g1", ChannelID: "c1", Term: "   "},
			{GuildID: "", ChannelID: "c1", Term: "x y"},
			{GuildID: "g1", ChannelID: "", Term: "x y"},
			{GuildID: "g1", ChannelID: "c1", Term: "x y", MinSeverity: "severe"},
		} {
			if got, err := s.AddWatch(ctx, bad, 0); err == nil {
				t.Errorf("AddWatch(%+v) = %+v, want an error", bad, got)
			}
		}

		g1, err := s.GuildWatches(ctx, "g1")
		if err != nil {
			t.Fatal(err)
		}
		var terms []string
		for _, w := range g1 {
			terms = append(terms, w.ChannelID+":"+w.Term)
		}
		if want := []string{"c1:Fortinet", "c1:Ivanti Connect Secure", "c2:Ivanti Connect Secure", "c1:SAP"}; !reflect.DeepEqual(terms, want) {
			t.Errorf("GuildWatches(g1) = %v, want %v", terms, want)
		}
		if g1[1] != w {
			t.Errorf("GuildWatches(g1)[1] = %+v, want %+v", g1[1], w)
		}
		all, err := s.AllWatches(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 5 || all[0] != w {
			t.Errorf("AllWatches = %+v, want 5 starting with %+v", all, w)
		}
		for i := 1; i < len(all); i++ {
			if all[i].ID <= all[i-1].ID {
				t.Errorf("AllWatches not ordered by id: %+v", all)
			}
		}
		if none, err := s.GuildWatches(ctx, "g-none"); err != nil || len(none) != 0 {
			t.Errorf("GuildWatches(g-none) = %+v, %v", none, err)
		}
	})
}

// TestAddWatchLimitAcrossProcesses: processes adding watches to one guild
// at once never pass its limit together.
func TestAddWatchLimitAcrossProcesses(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		s := open(t)
		stores := []*Store{s, s.withOwner("b")}
		const limit, tries = 5, 12
		var wg sync.WaitGroup
		errs := make(chan error, tries)
		for i := range tries {
			wg.Go(func() {
				_, err := stores[i%2].AddWatch(ctx, news.Watch{GuildID: "g", ChannelID: "c", Term: fmt.Sprintf("term %d", i)}, limit)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		added, refused := 0, 0
		for err := range errs {
			switch {
			case err == nil:
				added++
			case errors.Is(err, news.ErrTooManyWatches):
				refused++
			default:
				t.Error(err)
			}
		}
		ws, err := s.GuildWatches(ctx, "g")
		if err != nil {
			t.Fatal(err)
		}
		if added != limit || refused != tries-limit || len(ws) != limit {
			t.Errorf("added %d, refused %d, stored %d; want %d, %d, %d", added, refused, len(ws), limit, tries-limit, limit)
		}
	})
}

func TestRemoveWatch(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		s := open(t)
		for _, w := range []news.Watch{
			{GuildID: "g1", ChannelID: "c1", Term: "Citrix NetScaler"},
			{GuildID: "g1", ChannelID: "c2", Term: "citrix  netscaler"},
			{GuildID: "g1", ChannelID: "c1", Term: "Cisco"},
			{GuildID: "g2", ChannelID: "c3", Term: "Citrix NetScaler"},
		} {
			if _, err := s.AddWatch(ctx, w, 0); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := s.RemoveWatch(ctx, "g1", " CITRIX netscaler"); err != nil || n != 2 {
			t.Fatalf("RemoveWatch = %d, %v; want 2", n, err)
		}
		if n, err := s.RemoveWatch(ctx, "g1", "Citrix NetScaler"); err != nil || n != 0 {
			t.Fatalf("RemoveWatch again = %d, %v; want 0", n, err)
		}
		g1, _ := s.GuildWatches(ctx, "g1")
		g2, _ := s.GuildWatches(ctx, "g2")
		if len(g1) != 1 || g1[0].Term != "Cisco" || len(g2) != 1 {
			t.Errorf("after removal: g1 %+v, g2 %+v; want Cisco in g1 and g2's watch kept", g1, g2)
		}
		if n, err := s.RemoveChannelWatches(ctx, "c3"); err != nil || n != 1 {
			t.Errorf("RemoveChannelWatches(c3) = %d, %v; want 1", n, err)
		}
		if g2, _ := s.GuildWatches(ctx, "g2"); len(g2) != 0 {
			t.Errorf("g2 after RemoveChannelWatches: %+v", g2)
		}
	})
}

// TestWatchesChanged: every addition and removal, by any process, moves the
// marker; reads and refused changes do not.
func TestWatchesChanged(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		s := open(t)
		other := s.withOwner("b")
		last, err := s.WatchesChanged(ctx)
		if err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			name    string
			do      func() error
			changes bool
		}{
			{"add", func() error {
				_, err := s.AddWatch(ctx, news.Watch{GuildID: "g", ChannelID: "c", Term: "aa"}, 2)
				return err
			}, true},
			{"add by another process", func() error {
				_, err := other.AddWatch(ctx, news.Watch{GuildID: "g", ChannelID: "c", Term: "bb"}, 2)
				return err
			}, true},
			{"refused: exists", func() error {
				_, _ = s.AddWatch(ctx, news.Watch{GuildID: "g", ChannelID: "c", Term: "AA"}, 0)
				return nil
			}, false},
			{"refused: limit", func() error {
				_, _ = s.AddWatch(ctx, news.Watch{GuildID: "g", ChannelID: "c", Term: "cc"}, 2)
				return nil
			}, false},
			{"read", func() error { _, err := s.AllWatches(ctx); return err }, false},
			{"remove nothing", func() error { _, err := s.RemoveWatch(ctx, "g", "zz"); return err }, false},
			{"remove", func() error { _, err := s.RemoveWatch(ctx, "g", "bb"); return err }, true},
			{"add the same again", func() error {
				_, err := s.AddWatch(ctx, news.Watch{GuildID: "g", ChannelID: "c", Term: "bb"}, 2)
				return err
			}, true},
		}
		for _, st := range steps {
			if err := st.do(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			v, err := other.WatchesChanged(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if (v != last) != st.changes {
				t.Errorf("%s: marker %d -> %d, want changed = %v", st.name, last, v, st.changes)
			}
			last = v
		}
	})
}

func TestWatchAlerts(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		clock := &testClock{t: time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)}
		s := open(t, WithClock(clock.Now))
		other := s.withOwner("b")
		start := clock.t

		if ok, err := s.ClaimWatchAlert(ctx, "c1", "story-1"); err != nil || !ok {
			t.Fatalf("ClaimWatchAlert = %v, %v; want true", ok, err)
		}
		if ok, err := other.ClaimWatchAlert(ctx, "c1", "story-1"); err != nil || ok {
			t.Fatalf("ClaimWatchAlert by another process = %v, %v; want false", ok, err)
		}
		if ok, err := s.ClaimWatchAlert(ctx, "c2", "story-1"); err != nil || !ok {
			t.Fatalf("ClaimWatchAlert in another channel = %v, %v; want true", ok, err)
		}
		clock.t = clock.t.Add(time.Minute)
		full := news.WatchAlert{ChannelID: "c1", StoryKey: "story-2", GuildID: "g1", WatchIDs: []int64{3, 14},
			Terms: []string{"SAP", "CVE-2025-31324"}, Body: `{"title":"x"}`, Batch: true}
		if ok, err := s.AddWatchAlert(ctx, full); err != nil || !ok {
			t.Fatalf("AddWatchAlert = %v, %v", ok, err)
		}
		got, err := s.WatchAlert(ctx, "c1", "story-2")
		if err != nil {
			t.Fatal(err)
		}
		full.ClaimedAt = clock.t
		if !reflect.DeepEqual(got, full) {
			t.Errorf("WatchAlert = %+v, want %+v", got, full)
		}
		if _, err := s.WatchAlert(ctx, "c1", "none"); !errors.Is(err, news.ErrNotFound) {
			t.Errorf("WatchAlert(none) = %v, want ErrNotFound", err)
		}
		if _, err := s.AddWatchAlert(ctx, news.WatchAlert{ChannelID: "c1", StoryKey: "x", Terms: []string{"a\nb"}}); err == nil {
			t.Error("AddWatchAlert took a term spanning lines")
		}

		held, err := s.HeldWatchAlerts(ctx, "c1")
		if err != nil || len(held) != 1 || held[0].StoryKey != "story-2" {
			t.Errorf("HeldWatchAlerts(c1) = %+v, %v; want story-2", held, err)
		}
		clock.t = clock.t.Add(time.Minute)
		if err := s.SetWatchAlertMessage(ctx, "c1", "story-2", "m2"); err != nil {
			t.Fatal(err)
		}
		if held, _ := s.HeldWatchAlerts(ctx, ""); len(held) != 0 {
			t.Errorf("HeldWatchAlerts after posting = %+v", held)
		}
		if got, _ := s.WatchAlert(ctx, "c1", "story-2"); got.MessageID != "m2" || !got.SentAt.Equal(clock.t) {
			t.Errorf("after SetWatchAlertMessage: %+v", got)
		}
		if err := s.SetWatchAlertMessage(ctx, "c1", "none", "m"); !errors.Is(err, news.ErrNotFound) {
			t.Errorf("SetWatchAlertMessage(none) = %v, want ErrNotFound", err)
		}

		// Release frees an unsent claim, never a posted one.
		if err := s.SetWatchAlertMessage(ctx, "c2", "story-1", "m1"); err != nil {
			t.Fatal(err)
		}
		for _, k := range []struct {
			channel   string
			reclaimed bool
		}{{"c1", true}, {"c2", false}} {
			if err := s.ReleaseWatchAlert(ctx, k.channel, "story-1"); err != nil {
				t.Fatal(err)
			}
			if ok, err := other.ClaimWatchAlert(ctx, k.channel, "story-1"); err != nil || ok != k.reclaimed {
				t.Errorf("claim in %s after release = %v, %v; want %v", k.channel, ok, err, k.reclaimed)
			}
		}

		// c1 now has story-1 (reclaimed at +2m, on its own) and story-2 (batched).
		for _, c := range []struct {
			since time.Time
			want  int
		}{{start, 1}, {clock.t, 1}, {clock.t.Add(time.Second), 0}} {
			if n, err := s.WatchAlertsSince(ctx, "c1", c.since); err != nil || n != c.want {
				t.Errorf("WatchAlertsSince(c1, %s) = %d, %v; want %d", c.since, n, err, c.want)
			}
		}
		if n, err := s.PruneWatchAlerts(ctx, start.Add(time.Second)); err != nil || n != 1 {
			t.Errorf("PruneWatchAlerts = %d, %v; want 1 (c2's story-1)", n, err)
		}
		if ok, _ := s.ClaimWatchAlert(ctx, "c2", "story-1"); !ok {
			t.Error("a pruned alert cannot be claimed again")
		}
	})
}

// TestClaimWatchAlertOnce: of many processes claiming one alert at once,
// exactly one gets it.
func TestClaimWatchAlertOnce(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		s := open(t)
		stores := []*Store{s, s.withOwner("b"), s.withOwner("c")}
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := 0
		for i := range 9 {
			wg.Go(func() {
				ok, err := stores[i%3].ClaimWatchAlert(ctx, "c", "story")
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					won++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if won != 1 {
			t.Errorf("%d claims won, want 1", won)
		}
	})
}
