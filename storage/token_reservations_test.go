package storage

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakeclock"
	"github.com/secbrief/secbrief/internal/pgtest"
	"github.com/secbrief/secbrief/news"
)

// reserveDay is the usage day of the reservation tests.
const reserveDay = "2026-12-01"

func TestReserveTokens(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		clock := fakeclock.New(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		s := open(t, WithClock(clock.Now))
		if err := s.AddUsage(ctx, news.Usage{GuildID: "g", Day: reserveDay, Model: "m", PromptTokens: 250, CompletionTokens: 50}); err != nil {
			t.Fatal(err)
		}
		// The steps run in order: each sees the reservations of the ones before.
		steps := []struct {
			name     string
			guild    string
			day      string
			tokens   int
			limit    int
			spent    bool // refused with news.ErrBudgetSpent
			tokensOn int  // TokensOn(guild, day) afterwards
		}{
			{"within the limit", "g", reserveDay, 500, 1000, false, 800},
			{"over the limit with the live reservation", "g", reserveDay, 300, 1000, true, 800},
			{"exactly up to the limit", "g", reserveDay, 200, 1000, false, 1000},
			{"nothing left", "g", reserveDay, 1, 1000, true, 1000},
			{"a lower limit already exceeded", "g", reserveDay, 0, 999, true, 1000},
			{"no limit still records the reservation", "g", reserveDay, 5000, 0, false, 6000},
			{"another guild has its own budget", "h", reserveDay, 1000, 1000, false, 1000},
			{"another day has its own budget", "g", "2026-12-02", 1000, 1000, false, 1000},
			{"one request over the whole budget", "i", reserveDay, 1001, 1000, true, 0},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				id, err := s.ReserveTokens(ctx, st.guild, st.day, st.tokens, st.limit)
				switch {
				case st.spent && !errors.Is(err, news.ErrBudgetSpent):
					t.Errorf("ReserveTokens = %d, %v; want news.ErrBudgetSpent", id, err)
				case !st.spent && (err != nil || id == 0):
					t.Errorf("ReserveTokens = %d, %v; want a reservation", id, err)
				}
				if got, err := s.TokensOn(ctx, st.guild, st.day); err != nil || got != st.tokensOn {
					t.Errorf("TokensOn = %d, %v; want %d", got, err, st.tokensOn)
				}
			})
		}
		for _, bad := range []struct {
			name   string
			day    string
			tokens int
		}{{"day not YYYY-MM-DD", "12/01/2026", 1}, {"negative tokens", reserveDay, -1}} {
			t.Run(bad.name, func(t *testing.T) {
				if _, err := s.ReserveTokens(ctx, "g", bad.day, bad.tokens, 0); err == nil || errors.Is(err, news.ErrBudgetSpent) {
					t.Errorf("ReserveTokens = %v, want an error other than the budget's", err)
				}
			})
		}
	})
}

func TestSettleTokens(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		clock := fakeclock.New(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		s := open(t, WithClock(clock.Now))
		id, err := s.ReserveTokens(ctx, "g", reserveDay, 900, 1000)
		if err != nil {
			t.Fatal(err)
		}
		used := news.Usage{GuildID: "g", Day: reserveDay, Model: "m", PromptTokens: 120, CompletionTokens: 30}
		if err := s.SettleTokens(ctx, id, used); err != nil {
			t.Fatal(err)
		}
		// The reservation gave way to the real usage, counted once.
		if got, _ := s.TokensOn(ctx, "g", reserveDay); got != 150 {
			t.Errorf("TokensOn after settling = %d, want the 150 used", got)
		}
		if _, err := s.ReserveTokens(ctx, "g", reserveDay, 850, 1000); err != nil {
			t.Errorf("reserving the rest after settling: %v", err)
		}
		// Settling again (or an id never reserved) still records the tokens.
		if err := s.SettleTokens(ctx, id, used); err != nil {
			t.Fatal(err)
		}
		if err := s.SettleTokens(ctx, 0, used); err != nil {
			t.Fatal(err)
		}
		rows, err := s.GuildUsage(ctx, "g", reserveDay, reserveDay)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].PromptTokens != 360 || rows[0].CompletionTokens != 90 {
			t.Errorf("usage = %+v, want 3 settlements of 120+30", rows)
		}
		// A failed request (no tokens) only ends its reservation.
		id, err = s.ReserveTokens(ctx, "z", reserveDay, 400, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SettleTokens(ctx, id, news.Usage{GuildID: "z", Day: reserveDay, Model: "m"}); err != nil {
			t.Fatal(err)
		}
		if rows, err := s.GuildUsage(ctx, "z", reserveDay, reserveDay); err != nil || len(rows) != 0 {
			t.Errorf("usage of a settled failure = %+v, %v; want no row", rows, err)
		}
		if got, _ := s.TokensOn(ctx, "z", reserveDay); got != 0 {
			t.Errorf("TokensOn after settling a failure = %d, want 0", got)
		}
		if err := s.SettleTokens(ctx, id, news.Usage{GuildID: "z", Day: "yesterday"}); err == nil {
			t.Error("settling with a malformed day succeeded")
		}
	})
}

func TestTokenReservationsLapse(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		clock := fakeclock.New(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		s := open(t, WithClock(clock.Now))
		lapsed, err := s.ReserveTokens(ctx, "g", reserveDay, 900, 1000)
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(reservationTTL - time.Second)
		if _, err := s.ReserveTokens(ctx, "g", reserveDay, 900, 1000); !errors.Is(err, news.ErrBudgetSpent) {
			t.Fatalf("reserving beside a live reservation: %v, want news.ErrBudgetSpent", err)
		}
		clock.Advance(time.Second) // its process died mid-request
		if got, _ := s.TokensOn(ctx, "g", reserveDay); got != 0 {
			t.Errorf("TokensOn with a lapsed reservation = %d, want 0", got)
		}
		if _, err := s.ReserveTokens(ctx, "g", reserveDay, 900, 1000); err != nil {
			t.Fatalf("reserving after the lapse: %v", err)
		}
		var rows int
		if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM token_reservations`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows != 1 {
			t.Errorf("%d reservations stored, want the lapsed one pruned", rows)
		}
		// A late settlement of the lapsed reservation still records its tokens.
		if err := s.SettleTokens(ctx, lapsed, news.Usage{GuildID: "g", Day: reserveDay, Model: "m", PromptTokens: 80}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.TokensOn(ctx, "g", reserveDay); got != 980 {
			t.Errorf("TokensOn = %d, want 900 reserved + 80 used", got)
		}
	})
}

// Two processes reserving a guild's budget at once never overspend it: 20
// requests of 100 tokens against 1000, split over two Stores on one
// database, give exactly 10 reservations. Several guilds go at once, each
// on its own budget, to give a race every chance to show.
func TestReserveTokensAcrossProcesses(t *testing.T) {
	const (
		guilds   = 5
		requests = 20
		each     = 100
		limit    = 1000
	)
	pairs := []struct {
		name string
		open func(t *testing.T) [2]*Store
	}{
		{DriverSQLite, func(t *testing.T) [2]*Store {
			path := filepath.Join(t.TempDir(), "budget.db")
			return [2]*Store{openTestStoreAt(t, path), openTestStoreAt(t, path)}
		}},
		{DriverPostgres, func(t *testing.T) [2]*Store {
			dsn := pgtest.New(t)
			var out [2]*Store
			for i := range out {
				s, err := OpenPostgres(context.Background(), dsn, testLogger(t))
				if err != nil {
					t.Fatalf("OpenPostgres: %v", err)
				}
				t.Cleanup(func() { s.Close() })
				out[i] = s
			}
			return out
		}},
	}
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			ctx := context.Background()
			stores := p.open(t)
			day := time.Now().UTC().Format(dayLayout)
			var (
				wg      sync.WaitGroup
				mu      sync.Mutex
				granted = map[string]int{}
				spent   = map[string]int{}
			)
			start := make(chan struct{})
			for i := range guilds * requests {
				s, guild := stores[i%2], fmt.Sprintf("g%d", i%guilds)
				wg.Go(func() {
					// Open the connection first, so the reservations start together.
					if _, err := s.TokensOn(ctx, guild, day); err != nil {
						t.Error(err)
					}
					<-start
					_, err := s.ReserveTokens(ctx, guild, day, each, limit)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						granted[guild]++
					case errors.Is(err, news.ErrBudgetSpent):
						spent[guild]++
					default:
						t.Errorf("ReserveTokens: %v", err)
					}
				})
			}
			close(start)
			wg.Wait()
			for g := range guilds {
				guild := fmt.Sprintf("g%d", g)
				if granted[guild] != limit/each || spent[guild] != requests-limit/each {
					t.Errorf("%s: %d granted, %d refused; want %d and %d",
						guild, granted[guild], spent[guild], limit/each, requests-limit/each)
				}
				for i, s := range stores {
					if got, err := s.TokensOn(ctx, guild, day); err != nil || got != limit {
						t.Errorf("%s, store %d: TokensOn = %d, %v; want %d", guild, i, got, err, limit)
					}
				}
			}
		})
	}
}
