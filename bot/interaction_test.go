package bot

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/internal/fakediscord"
)

// snowflake is an id Discord would give something created at t.
func snowflake(t time.Time) string {
	return strconv.FormatUint(uint64(t.UnixMilli()-discordEpoch)<<22|12345, 10)
}

var received = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

func TestInteractionCreated(t *testing.T) {
	tests := []struct {
		name string
		id   string
		want time.Time
	}{
		{"snowflake before receipt", snowflake(received.Add(-1500 * time.Millisecond)), received.Add(-1500 * time.Millisecond)},
		{"created long ago", snowflake(received.Add(-20 * time.Minute)), received.Add(-20 * time.Minute)},
		{"snowflake after receipt: our clock is behind", snowflake(received.Add(3 * time.Second)), received},
		{"not a number", "interaction-1", received},
		{"no timestamp in it", "42", received},
		{"empty", "", received},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := interactionCreated(tt.id, received); !got.Equal(tt.want) {
				t.Errorf("interactionCreated(%q) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

// botAt is a Bot whose clock reads now, enough for interactionContext.
func botAt(now time.Time) *Bot {
	return &Bot{opts: Options{Now: func() time.Time { return now }}}
}

func TestInteractionContextEndsWhenTheTokenExpires(t *testing.T) {
	created := received.Add(-2 * time.Second)
	i := &discordgo.Interaction{ID: snowflake(created)}

	t.Run("expired", func(t *testing.T) {
		ctx, cancel := botAt(created.Add(interactionTokenLife)).interactionContext(t.Context(), i)
		defer cancel()
		if ctx.Err() == nil {
			t.Fatal("context of an interaction whose token expired is not done")
		}
		if cause := context.Cause(ctx); !errors.Is(cause, errInteractionExpired) {
			t.Errorf("cause = %v, want errInteractionExpired", cause)
		}
	})
	t.Run("a minute left", func(t *testing.T) {
		ctx, cancel := botAt(created.Add(14*time.Minute)).interactionContext(t.Context(), i)
		defer cancel()
		deadline, ok := ctx.Deadline()
		if !ok {
			t.Fatal("interaction context has no deadline")
		}
		// The deadline is a minute away on the real clock the timer runs on.
		if left := time.Until(deadline); left <= 30*time.Second || left > time.Minute {
			t.Errorf("deadline in %v, want about a minute", left)
		}
		if ctx.Err() != nil {
			t.Errorf("context done with a minute left: %v", context.Cause(ctx))
		}
	})
	t.Run("shutdown", func(t *testing.T) {
		handlers, shutdown := context.WithCancel(t.Context())
		ctx, cancel := botAt(created.Add(time.Minute)).interactionContext(handlers, i)
		defer cancel()
		shutdown()
		if !errors.Is(ctx.Err(), context.Canceled) {
			t.Errorf("after shutdown: %v, want context.Canceled", ctx.Err())
		}
	})
}

// TestExpiredInteractionIsNotHandled: an interaction that arrives after
// its token expired (by the bot's clock) never reaches the handler, whose
// answer Discord would refuse; a fresh one does, with the token's deadline.
func TestExpiredInteractionIsNotHandled(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	deadlines := make(chan time.Time, 1)
	h := &fakeHandler{handle: func(ctx context.Context, _ Request) (Response, error) {
		d, _ := ctx.Deadline()
		deadlines <- d
		return Response{Content: "pong"}, nil
	}}
	rec := &recorder{changed: make(chan struct{}, 1)}
	var skew atomic.Int64 // how far the bot's clock is ahead
	_, ctx := serving(t, srv, h, Options{Observer: rec, Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})

	skew.Store(int64(interactionTokenLife + time.Minute)) // the token ran out before the bot saw it
	if _, err := srv.DispatchInteraction(fakediscord.SlashCommand("ping")); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(ctx, t, "expired interaction", func(h, _ []string) bool { return len(h) >= 1 })
	skew.Store(0)
	d, err := srv.DispatchInteraction(fakediscord.SlashCommand("ping"))
	if err != nil {
		t.Fatal(err)
	}
	rec.waitFor(ctx, t, "fresh interaction", func(h, _ []string) bool { return len(h) >= 2 })
	handled, _ := rec.snapshot()
	if want := []string{"interaction/error", "interaction/ok"}; !slices.Equal(handled, want) {
		t.Errorf("handled = %v, want %v", handled, want)
	}
	if n := h.handled.Load(); n != 1 {
		t.Errorf("handler ran %d times, want 1 (the fresh interaction only)", n)
	}
	id, _ := strconv.ParseUint(d.ID, 10, 64)
	want := time.UnixMilli(int64(id>>22) + discordEpoch).Add(interactionTokenLife)
	if got := <-deadlines; got.Sub(want).Abs() > 5*time.Second {
		t.Errorf("handler's deadline %v, want %v (15 minutes after the interaction was created)", got, want)
	}
}
