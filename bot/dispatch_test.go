package bot

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakediscord"
)

func TestFromBot(t *testing.T) {
	cases := []struct {
		name string
		msg  string
		want bool
	}{
		{"member", `{"id":"1","content":"hi @secbrief","author":{"id":"2","username":"alice","bot":false}}`, false},
		{"member without bot field", `{"author":{"id":"2","username":"alice"},"content":"x"}`, false},
		{"bot", `{"id":"1","author":{"id":"3","username":"secbrief","bot":true},"embeds":[{"title":"} \\" {"}]}`, true},
		{"system", `{"author":{"id":"4","system":true}}`, true},
		{"nested bot field is not the author's", `{"author":{"id":"2"},"referenced_message":{"author":{"bot":true}}}`, false},
		{"no author", `{"id":"1","content":"x"}`, true},
		{"null author", `{"author":null}`, true},
		{"malformed", `{"author":{"id":"2"`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := fromBot([]byte(c.msg)); got != c.want {
				t.Errorf("fromBot(%s) = %v, want %v", c.msg, got, c.want)
			}
		})
	}
}

// TestNewTakesTheSessionsToken: a Bot built without Options.Token
// identifies with the token of the session it was given.
func TestNewTakesTheSessionsToken(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	session, err := NewSession(Options{Token: srv.Token(), APIBaseURL: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	b := New(session, &fakeHandler{}, Options{GuildID: srv.GuildID()}, discardLogger())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	waitReady(t, b)
	if ids := srv.Identifies(); len(ids) != 1 || ids[0].Token != "Bot "+srv.Token() || !ids[0].Accepted {
		t.Errorf("identifies = %+v, want one accepted with the session's token", ids)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// recorder is an Observer that keeps what it is told and signals changed.
type recorder struct {
	changed chan struct{}

	mu      sync.Mutex
	handled []string
	gateway []string
}

func (r *recorder) signal() {
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

// waitFor waits until cond holds on what was recorded, or fails at ctx's end.
func (r *recorder) waitFor(ctx context.Context, t *testing.T, what string, cond func(handled, gateway []string) bool) {
	t.Helper()
	for h, g := r.snapshot(); !cond(h, g); h, g = r.snapshot() {
		select {
		case <-r.changed:
		case <-ctx.Done():
			t.Fatalf("waiting for %s: handled %v, gateway %v", what, h, g)
		}
	}
}

func (r *recorder) Handled(kind, outcome string, took time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if took < 0 {
		outcome += " (negative duration)"
	}
	r.handled = append(r.handled, kind+"/"+outcome)
	r.signal()
}

func (r *recorder) GatewayEvent(event string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gateway = append(r.gateway, event)
	r.signal()
}

func (r *recorder) snapshot() ([]string, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.handled), slices.Clone(r.gateway)
}

// TestObserverIsTold: each handled interaction is reported with its
// outcome (a panic, an error, success), and the gateway's READY and a
// resume after a drop are reported too.
func TestObserverIsTold(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	var calls atomic.Int32
	h := &fakeHandler{handle: func(ctx context.Context, _ Request) (Response, error) {
		switch calls.Add(1) {
		case 1:
			panic("boom")
		case 2:
			return Response{}, errors.New("refused")
		}
		return Response{Content: "ok"}, nil
	}}
	rec := &recorder{changed: make(chan struct{}, 1)}
	_, ctx := serving(t, srv, h, Options{Observer: rec})
	// One at a time, so the outcomes come in order.
	for n := 1; n <= 3; n++ {
		if _, err := srv.DispatchInteraction(fakediscord.SlashCommand("ping")); err != nil {
			t.Fatal(err)
		}
		rec.waitFor(ctx, t, "interaction handled", func(h, _ []string) bool { return len(h) >= n })
	}
	srv.DropConnection()
	if err := srv.WaitResumes(ctx, 1); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(ctx, t, "a resume", func(_, g []string) bool { return slices.Contains(g, "resumed") })
	handled, gw := rec.snapshot()
	if want := []string{"interaction/panic", "interaction/error", "interaction/ok"}; !slices.Equal(handled, want) {
		t.Errorf("handled = %v, want %v", handled, want)
	}
	if want := []string{"ready", "lost", "resumed"}; !slices.Equal(gw, want) {
		t.Errorf("gateway events = %v, want %v", gw, want)
	}
}
