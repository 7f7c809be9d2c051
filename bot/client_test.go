package bot

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/internal/fakediscord"
)

// TestClientEditsAreRateLimitedPerInteraction: one interaction's edit
// stuck behind a 429 must not hold up another interaction's edit, as it
// does with discordgo's shared webhook bucket.
func TestClientEditsAreRateLimitedPerInteraction(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	release := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	edited := [2]chan time.Time{make(chan time.Time, 1), make(chan time.Time, 1)}
	var n atomic.Int32
	var client Client
	h := &fakeHandler{onInteraction: func(ctx context.Context, i *discordgo.Interaction) error {
		k := n.Add(1) - 1
		if err := client.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}); err != nil {
			return err
		}
		<-release[k]
		content := "done"
		if _, err := client.InteractionResponseEdit(i, &discordgo.WebhookEdit{Content: &content}); err != nil {
			return err
		}
		if _, err := client.InteractionResponse(i); err != nil {
			return err
		}
		edited[k] <- time.Now()
		return nil
	}}
	b, ctx := serving(t, srv, h, Options{})
	client = Client{Session: b.Session()}
	for range 2 {
		if _, err := srv.DispatchInteraction(fakediscord.SlashCommand("ping")); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.Wait(ctx, func() bool { return n.Load() == 2 }); err != nil {
		t.Fatal(err)
	}
	srv.Inject429("PATCH", "/webhooks/", 1, 6*time.Second, false)
	close(release[0])
	if _, err := srv.WaitFor(ctx, func(r fakediscord.Request) bool { return r.Method == "PATCH" && r.Status == 429 }); err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	close(release[1])
	select {
	case at := <-edited[1]:
		if d := at.Sub(begin); d > 4*time.Second {
			t.Errorf("second interaction's edit took %v: it waited behind the first's 429", d)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("second edit never finished")
	}
	select {
	case <-edited[0]:
	case <-time.After(20 * time.Second):
		t.Fatal("first edit never finished after its 429")
	}
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
