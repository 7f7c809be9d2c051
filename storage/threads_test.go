package storage

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

func TestThreadRoundTrip(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		created := time.Date(2025, 2, 3, 4, 5, 6, 789000, time.UTC)
		cases := []struct {
			name string
			th   news.Thread
		}{
			{"summary thread", news.Thread{ID: "t1", GuildID: "g", ChannelID: "c", Kind: news.ThreadSummary,
				ArticleHashes: []string{"h1"}, CreatedAt: created}},
			{"digest thread of unstored articles", news.Thread{ID: "t2", GuildID: "g", ChannelID: "c", Kind: news.ThreadDigest,
				ArticleHashes: []string{"h3", "h1", "h2"}, CreatedAt: created}},
			{"no articles", news.Thread{ID: "t3", Kind: news.ThreadSummary, CreatedAt: created}},
		}
		s := open(t)
		ctx := context.Background()
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if err := s.PutThread(ctx, c.th); err != nil {
					t.Fatal(err)
				}
				got, ok, err := s.Thread(ctx, c.th.ID)
				if err != nil || !ok {
					t.Fatalf("Thread = _, %v, %v; want found", ok, err)
				}
				assertThreadEqual(t, got, c.th)
			})
		}
		t.Run("missing", func(t *testing.T) {
			if _, ok, err := s.Thread(ctx, "nope"); ok || err != nil {
				t.Errorf("Thread(missing) = _, %v, %v", ok, err)
			}
		})
		t.Run("replace", func(t *testing.T) {
			th := cases[1].th
			th.ArticleHashes = []string{"h9"}
			if err := s.PutThread(ctx, th); err != nil {
				t.Fatal(err)
			}
			got, _, err := s.Thread(ctx, th.ID)
			if err != nil {
				t.Fatal(err)
			}
			assertThreadEqual(t, got, th)
		})
	})
}

func assertThreadEqual(t *testing.T, got, want news.Thread) {
	t.Helper()
	if !got.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("CreatedAt = %v, want %v", got.CreatedAt, want.CreatedAt)
	}
	got.CreatedAt, want.CreatedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("thread mismatch:\n got %#v\nwant %#v", got, want)
	}
}

func TestPutThreadRejectsAndDefaults(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		clock := &testClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
		s := open(t, WithClock(clock.Now))
		ctx := context.Background()
		for name, th := range map[string]news.Thread{
			"empty id":   {Kind: news.ThreadSummary},
			"empty kind": {ID: "x"},
		} {
			t.Run(name, func(t *testing.T) {
				if err := s.PutThread(ctx, th); err == nil {
					t.Errorf("PutThread(%+v) succeeded", th)
				}
			})
		}
		t.Run("zero CreatedAt from clock", func(t *testing.T) {
			if err := s.PutThread(ctx, news.Thread{ID: "t", Kind: news.ThreadSummary}); err != nil {
				t.Fatal(err)
			}
			got, _, err := s.Thread(ctx, "t")
			if err != nil {
				t.Fatal(err)
			}
			if !got.CreatedAt.Equal(clock.t) {
				t.Errorf("CreatedAt = %v, want the clock's %v", got.CreatedAt, clock.t)
			}
		})
	})
}

func TestTurns(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		start := time.Date(2025, 4, 1, 10, 0, 0, 0, time.UTC)
		clock := &testClock{t: start}
		s := open(t, WithClock(clock.Now))
		ctx := context.Background()
		if err := s.PutThread(ctx, news.Thread{ID: "th", Kind: news.ThreadSummary, ArticleHashes: []string{"h"}}); err != nil {
			t.Fatal(err)
		}
		if err := s.PutThread(ctx, news.Thread{ID: "other", Kind: news.ThreadSummary}); err != nil {
			t.Fatal(err)
		}
		var all []news.Turn
		for i := range 5 {
			tn := news.Turn{UserID: "u", Question: "q" + string(rune('0'+i)), Answer: "a" + string(rune('0'+i)),
				At: start.Add(time.Duration(i) * 20 * time.Minute)}
			all = append(all, tn)
			if err := s.AddTurn(ctx, "th", tn); err != nil {
				t.Fatal(err)
			}
		}
		// A turn with a zero time takes the clock's; two turns at one instant keep insertion order.
		clock.t = start.Add(80 * time.Minute)
		extra := news.Turn{UserID: "v", Question: "same instant", Answer: "later insert"}
		if err := s.AddTurn(ctx, "th", extra); err != nil {
			t.Fatal(err)
		}
		extra.At = clock.t
		all = append(all, extra)
		if err := s.AddTurn(ctx, "other", news.Turn{Question: "x", Answer: "y", At: start}); err != nil {
			t.Fatal(err)
		}

		cases := []struct {
			name  string
			limit int
			want  []news.Turn
		}{
			{"last three, oldest first", 3, all[3:]},
			{"limit above count", 100, all},
			{"zero is all", 0, all},
			{"one", 1, all[5:]},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got, err := s.Turns(ctx, "th", c.limit)
				if err != nil {
					t.Fatal(err)
				}
				assertTurnsEqual(t, got, c.want)
			})
		}
		t.Run("unknown thread has none", func(t *testing.T) {
			got, err := s.Turns(ctx, "nope", 10)
			if err != nil || len(got) != 0 {
				t.Errorf("Turns(unknown) = %v, %v", got, err)
			}
		})

		since := []struct {
			name  string
			since time.Time
			want  int
		}{
			{"last hour", start.Add(20 * time.Minute), 5},
			{"boundary inclusive", start.Add(80 * time.Minute), 2},
			{"future", start.Add(2 * time.Hour), 0},
			{"everything", time.Time{}, 6},
		}
		for _, c := range since {
			t.Run("since/"+c.name, func(t *testing.T) {
				got, err := s.TurnsSince(ctx, "th", c.since)
				if err != nil {
					t.Fatal(err)
				}
				if got != c.want {
					t.Errorf("TurnsSince = %d, want %d", got, c.want)
				}
			})
		}
	})
}

func assertTurnsEqual(t *testing.T, got, want []news.Turn) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d turns, want %d: %+v", len(got), len(want), got)
	}
	for i := range got {
		g, w := got[i], want[i]
		if !g.At.Equal(w.At) {
			t.Errorf("turn %d At = %v, want %v", i, g.At, w.At)
		}
		g.At, w.At = time.Time{}, time.Time{}
		if g != w {
			t.Errorf("turn %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestAddTurnUnknownThread(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		s := open(t)
		err := s.AddTurn(context.Background(), "nope", news.Turn{Question: "q", Answer: "a"})
		if !errors.Is(err, news.ErrNotFound) {
			t.Errorf("AddTurn(unknown) = %v, want news.ErrNotFound", err)
		}
	})
}

// TestThreadsSurviveRestart closes the database file and reads it back with
// a new Store, as after a bot restart.
func TestThreadsSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.db")
	ctx := context.Background()
	th := news.Thread{ID: "t", GuildID: "g", ChannelID: "c", Kind: news.ThreadDigest,
		ArticleHashes: []string{"a", "b"}, CreatedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	turn := news.Turn{UserID: "u", Question: "is there a patch?", Answer: "yes, 7.3",
		At: time.Date(2025, 1, 1, 0, 5, 0, 0, time.UTC)}

	before, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := before.PutThread(ctx, th); err != nil {
		t.Fatal(err)
	}
	if err := before.AddTurn(ctx, th.ID, turn); err != nil {
		t.Fatal(err)
	}
	if err := before.Close(); err != nil {
		t.Fatal(err)
	}

	after := openTestStoreAt(t, path)
	got, ok, err := after.Thread(ctx, th.ID)
	if err != nil || !ok {
		t.Fatalf("Thread after restart = _, %v, %v", ok, err)
	}
	assertThreadEqual(t, got, th)
	turns, err := after.Turns(ctx, th.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	assertTurnsEqual(t, turns, []news.Turn{turn})
}
