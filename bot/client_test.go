package bot

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/internal/fakeclock"
	"github.com/secbrief/secbrief/internal/fakediscord"
)

// TestClientEditsAreRateLimitedPerInteraction: one interaction's edit
// stuck behind a 429 must not hold up another interaction's edit, as it
// does with discordgo's shared webhook bucket. The 429's wait is on a fake
// clock, so "stuck" is exact, not a duration on a loaded machine.
func TestClientEditsAreRateLimitedPerInteraction(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	clock := fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	release := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	edited := [2]chan struct{}{make(chan struct{}, 1), make(chan struct{}, 1)}
	b, ctx := serving(t, srv, holdingHandler(t), Options{})
	client := Client{Session: b.Session(), Sleep: clock.Sleep}
	var deferred sync.WaitGroup
	for k := range 2 {
		d, err := srv.DispatchInteraction(fakediscord.SlashCommand("ping"))
		if err != nil {
			t.Fatal(err)
		}
		i := &discordgo.Interaction{ID: d.ID, Token: d.Token, AppID: srv.AppID()}
		if err := client.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}); err != nil {
			t.Fatal(err)
		}
		deferred.Go(func() {
			<-release[k]
			content := "done"
			if _, err := client.InteractionResponseEdit(i, &discordgo.WebhookEdit{Content: &content}); err != nil {
				t.Error(err)
				return
			}
			if _, err := client.InteractionResponse(i); err != nil {
				t.Error(err)
				return
			}
			edited[k] <- struct{}{}
		})
	}

	srv.Inject429("PATCH", "/webhooks/", 1, 6*time.Second, false)
	close(release[0])
	if err := clock.WaitPending(ctx, 1); err != nil {
		t.Fatalf("the first edit is not waiting out its 429: %v", err)
	}
	close(release[1])
	select {
	case <-edited[1]:
	case <-time.After(20 * time.Second):
		t.Fatal("second edit never finished: it waits behind the first's 429")
	}
	select {
	case <-edited[0]:
		t.Fatal("first edit finished before its 429's wait ended")
	default:
	}
	if got := clock.Pending(); len(got) != 1 || got[0] != 6*time.Second {
		t.Fatalf("pending waits %v, want the first edit's 6s", got)
	}
	clock.Advance(6 * time.Second)
	select {
	case <-edited[0]:
	case <-time.After(20 * time.Second):
		t.Fatal("first edit never finished after its 429")
	}
	deferred.Wait()
}

// TestRESTConnectionsAreReused: later bursts of concurrent REST calls
// reuse the first burst's connections instead of opening new ones (Go's
// default transport keeps only 100 idle connections, 2 per host).
func TestRESTConnectionsAreReused(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	s, err := NewSession(Options{Token: srv.Token(), APIBaseURL: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	const burst = 150
	// Every request of a burst waits until all of them are in flight, so
	// the burst needs burst connections at once.
	burstOf := func() {
		var started, wg sync.WaitGroup
		started.Add(burst)
		release := make(chan struct{})
		for k := range burst {
			wg.Go(func() {
				started.Done()
				<-release
				// A bucket each, as interaction callbacks have: discordgo
				// serializes the requests of one bucket.
				uri := discordgo.EndpointUser("@me")
				if _, err := s.RequestWithBucketID("GET", uri, nil, fmt.Sprint(uri, k)); err != nil {
					t.Error(err)
				}
			})
		}
		started.Wait()
		close(release)
		wg.Wait()
	}
	for range 3 {
		burstOf()
	}
	// At most burst connections are ever needed at once; a few more may
	// open while earlier ones are handed back to the pool. Without reuse
	// every burst after the first opens 50 or more.
	if n := srv.Connections(); n > burst+20 {
		t.Errorf("three bursts of %d concurrent requests opened %d connections: idle connections are not kept", burst, n)
	}
}
