package bot

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/internal/fakediscord"
)

// restClient is a Client for srv's REST API, without a gateway connection.
func restClient(t *testing.T, srv *fakediscord.Server) Client {
	t.Helper()
	s, err := NewSession(Options{Token: srv.Token(), APIBaseURL: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	return Client{Session: s}
}

// discordgoBuckets is how many rate-limit buckets discordgo's limiter of s
// holds (it never frees one). It reads the limiter's unexported map.
func discordgoBuckets(t *testing.T, s *discordgo.Session) int {
	t.Helper()
	f := reflect.ValueOf(s.Ratelimiter).Elem().FieldByName("buckets")
	if !f.IsValid() || f.Kind() != reflect.Map {
		t.Fatal("discordgo's RateLimiter has no buckets map any more: update this test")
	}
	return f.Len()
}

// TestInteractionRoutesLeaveNoBuckets: answering interactions every way
// the commands do (respond, encoded respond, edit, fetch, follow-up,
// delete) adds no discordgo rate-limit bucket per interaction, and every
// call reaches Discord.
func TestInteractionRoutesLeaveNoBuckets(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	b, ctx := serving(t, srv, holdingHandler(t), Options{})
	client := Client{Session: b.Session()}
	opt := discordgo.WithContext(ctx)
	before := discordgoBuckets(t, b.Session())
	const n = 20
	for k := range n {
		d, err := srv.DispatchInteraction(fakediscord.SlashCommand("ping"))
		if err != nil {
			t.Fatal(err)
		}
		i := &discordgo.Interaction{ID: d.ID, Token: d.Token, AppID: srv.AppID()}
		if k%2 == 0 {
			id, err := client.InteractionRespondJSON(i, []byte(`{"type":4,"data":{"content":"hi","allowed_mentions":{"parse":[]}}}`), opt)
			if err != nil || id == "" {
				t.Errorf("respond (encoded): id %q, %v", id, err)
			}
			continue
		}
		if err := client.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}, opt); err != nil {
			t.Fatalf("respond: %v", err)
		}
		content := "done"
		if _, err := client.InteractionResponseEdit(i, &discordgo.WebhookEdit{Content: &content, AllowedMentions: &discordgo.MessageAllowedMentions{}}, opt); err != nil {
			t.Errorf("edit: %v", err)
		}
		if m, err := client.InteractionResponse(i, opt); err != nil || m.Content != "done" {
			t.Errorf("fetch original: %+v, %v", m, err)
		}
		if m, err := client.FollowupMessageCreate(i, true, &discordgo.WebhookParams{Content: "more", AllowedMentions: &discordgo.MessageAllowedMentions{}}, opt); err != nil || m.ID == "" {
			t.Errorf("follow-up: %+v, %v", m, err)
		}
		if err := client.InteractionResponseDelete(i, opt); err != nil {
			t.Errorf("delete: %v", err)
		}
	}
	if added := discordgoBuckets(t, b.Session()) - before; added > 0 {
		t.Errorf("%d interactions left %d discordgo rate-limit buckets behind", n, added)
	}
}

// TestInteractionRouteRetries429: a 429 on an interaction's callback is
// waited out and retried; a refusal comes back as discordgo's RESTError,
// whose message holds no interaction token.
func TestInteractionRouteRetries429(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	b, ctx := serving(t, srv, holdingHandler(t), Options{})
	var mu sync.Mutex
	var slept []time.Duration
	client := Client{Session: b.Session(), Sleep: func(_ context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		slept = append(slept, d) // no wall-clock wait: the fake's 429 is over at once
		return nil
	}}
	d, err := srv.DispatchInteraction(fakediscord.SlashCommand("ping"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Inject429("POST", "/interactions/", 2, 3*time.Second, false)
	i := &discordgo.Interaction{ID: d.ID, Token: d.Token, AppID: srv.AppID()}
	resp := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: "ok", AllowedMentions: &discordgo.MessageAllowedMentions{}}}
	errs := make(chan error, 2)
	errs <- client.InteractionRespond(i, resp, discordgo.WithContext(ctx))
	errs <- client.InteractionRespond(i, resp, discordgo.WithContext(ctx)) // already acknowledged
	if err := <-errs; err != nil {
		t.Fatalf("respond after two 429s: %v", err)
	}
	err = <-errs
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Message == nil || re.Message.Code != fakediscord.CodeAlreadyAcknowledged {
		t.Fatalf("second response: %v, want a RESTError with code %d", err, fakediscord.CodeAlreadyAcknowledged)
	}
	if strings.Contains(err.Error(), d.Token) {
		t.Errorf("error message holds the interaction token: %v", err)
	}
	saw := 0
	for _, r := range srv.Requests() {
		if r.Status == 429 {
			saw++
		}
	}
	if saw != 2 {
		t.Errorf("%d 429s answered, want the 2 injected", saw)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []time.Duration{3 * time.Second, 3 * time.Second}; !slices.Equal(slept, want) {
		t.Errorf("waited %v, want the Retry-After of each 429: %v", slept, want)
	}
}

// TestThreadStartsShareTheChannelBucket: threads started on many messages
// of one channel share one rate-limit bucket, as on Discord, instead of
// leaving one behind per message.
func TestThreadStartsShareTheChannelBucket(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	client := restClient(t, srv)
	s := client.Session
	ch := srv.ChannelID()
	var ids []string
	for range 10 {
		m, err := s.ChannelMessageSendComplex(ch, &discordgo.MessageSend{Content: "summary", AllowedMentions: &discordgo.MessageAllowedMentions{}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	before := discordgoBuckets(t, s)
	for _, id := range ids {
		th, err := client.MessageThreadStartComplex(ch, id, &discordgo.ThreadStart{Name: "Acme flaw", AutoArchiveDuration: 1440})
		if err != nil || th.ID != id || !th.IsThread() {
			t.Fatalf("thread on %s: %+v, %v", id, th, err)
		}
	}
	if added := discordgoBuckets(t, s) - before; added > 1 {
		t.Errorf("threads on %d messages of one channel added %d rate-limit buckets, want 1", len(ids), added)
	}
}

// TestInteractionRouteRetriesBadGateway: a 502 from Discord's edge is
// retried up to the session's MaxRestRetries; past that it is an error.
func TestInteractionRouteRetriesBadGateway(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	client := restClient(t, srv)
	s := client.Session
	i := &discordgo.Interaction{AppID: srv.AppID(), Token: "some-token"}
	get := func() error {
		_, err := client.InteractionResponse(i)
		return err
	}
	// The token is unknown, so a request that gets through is a 404.
	srv.InjectBadGateway("GET", "/webhooks/", s.MaxRestRetries)
	var re *discordgo.RESTError
	if err := get(); !errors.As(err, &re) || re.Response.StatusCode != 404 {
		t.Fatalf("after %d 502s: %v, want the request through (404)", s.MaxRestRetries, err)
	}
	srv.InjectBadGateway("GET", "/webhooks/", s.MaxRestRetries+1)
	if err := get(); !errors.As(err, &re) || re.Response.StatusCode != 502 {
		t.Fatalf("after %d 502s: %v, want a 502 RESTError", s.MaxRestRetries+1, err)
	}
}
