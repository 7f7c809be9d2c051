package commands

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/internal/fakellm"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/storage"
	"github.com/secbrief/secbrief/summarizer"
)

// recordingDiscord is a fake Discord that keeps the summary embeds each
// interaction was answered with. Methods the tests never reach panic (nil
// embedded interface).
type recordingDiscord struct {
	Discord
	mu     sync.Mutex
	embeds map[string][]*discordgo.MessageEmbed // by interaction id
}

func (d *recordingDiscord) InteractionRespond(*discordgo.Interaction, *discordgo.InteractionResponse, ...discordgo.RequestOption) error {
	return nil
}

func (d *recordingDiscord) InteractionResponseEdit(i *discordgo.Interaction, e *discordgo.WebhookEdit, _ ...discordgo.RequestOption) (*discordgo.Message, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e.Embeds != nil {
		d.embeds[i.ID] = append(d.embeds[i.ID], *e.Embeds...)
	}
	return &discordgo.Message{ID: "m-" + i.ID, ChannelID: i.ChannelID}, nil
}

func (d *recordingDiscord) InteractionResponseDelete(*discordgo.Interaction, ...discordgo.RequestOption) error {
	return nil
}

func (d *recordingDiscord) FollowupMessageCreate(i *discordgo.Interaction, _ bool, _ *discordgo.WebhookParams, _ ...discordgo.RequestOption) (*discordgo.Message, error) {
	return &discordgo.Message{ID: "f-" + i.ID}, nil
}

func (d *recordingDiscord) answered(id string) []*discordgo.MessageEmbed {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.embeds[id]
}

// pageFetcher "fetches" every link as one advisory.
type pageFetcher struct{}

func (pageFetcher) Fetch(_ context.Context, link string) (news.Article, error) {
	return news.Article{URL: link, Title: "Acme Gateway flaw", Site: "example.com",
		Text: "Acme patched CVE-2026-12345, an authentication bypass in Acme Gateway 7.0 to 7.2 exploited in the wild. Upgrade to 7.2.1."}, nil
}

type flightEnv struct {
	r   *Router
	sum *summarizer.Summarizer
	llm *fakellm.Server
	dc  *recordingDiscord
}

// newFlightEnv wires a Router to the real summarizer, a fakellm server and
// a SQLite store in t.TempDir().
func newFlightEnv(t *testing.T) *flightEnv {
	t.Helper()
	st, err := storage.Open(t.Context(), filepath.Join(t.TempDir(), "secbrief.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &flightEnv{llm: fakellm.New(t), dc: &recordingDiscord{embeds: map[string][]*discordgo.MessageEmbed{}}}
	e.sum = summarizer.New(summarizer.NewClient(e.llm.URL(), "sk-test", nil), st,
		summarizer.Options{Model: "test-model", MaxRetries: -1, Timeout: 30 * time.Second}, nil)
	t.Cleanup(func() { e.sum.Wait(); st.Close() })
	e.r = New(e.dc, e.sum, pageFetcher{}, st, Options{}, slog.New(slog.DiscardHandler))
	return e
}

const flightLink = "https://example.com/acme-gateway"

// summarizeLink is a /summarize url:link interaction from user in a guild.
func summarizeLink(id, user string) *discordgo.Interaction {
	return &discordgo.Interaction{
		ID: id, Type: discordgo.InteractionApplicationCommand, GuildID: "guild-1", ChannelID: "channel-1",
		Member: &discordgo.Member{User: &discordgo.User{ID: user}},
		Data: discordgo.ApplicationCommandInteractionData{Name: cmdSummarize, Options: []*discordgo.ApplicationCommandInteractionDataOption{
			{Name: "url", Type: discordgo.ApplicationCommandOptionString, Value: flightLink},
		}},
	}
}

// handleAsync runs HandleInteraction in a goroutine.
func handleAsync(r *Router, ctx context.Context, i *discordgo.Interaction) <-chan error {
	done := make(chan error, 1)
	go func() { done <- r.HandleInteraction(ctx, i) }()
	return done
}

// waitInflight waits until n interactions wait for the link's work,
// yielding rather than sleeping: joining takes microseconds.
func waitInflight(t *testing.T, r *Router, n int) {
	t.Helper()
	guard := time.Now().Add(30 * time.Second) // a failure guard, never reached when passing
	for r.inflight.Waiters(flightLink) != n {
		if time.Now().After(guard) {
			t.Fatalf("%d interactions waiting, want %d", r.inflight.Waiters(flightLink), n)
		}
		runtime.Gosched()
	}
}

func TestSummarizeURLFirstInteractionLeavingKeepsTheWorkForTheOther(t *testing.T) {
	e := newFlightEnv(t)
	arrived, release := make(chan struct{}, 4), make(chan struct{})
	e.llm.SetResponder(func(fakellm.Request) fakellm.Response {
		arrived <- struct{}{}
		<-release
		return fakellm.Reply(fakellm.SummaryJSON("Acme Gateway flaw exploited", "critical", "CVE-2026-12345"))
	})
	first, firstExpires := context.WithCancel(t.Context())
	doneA := handleAsync(e.r, first, summarizeLink("a", "user-1"))
	<-arrived
	doneB := handleAsync(e.r, t.Context(), summarizeLink("b", "user-2"))
	waitInflight(t, e.r, 2)

	firstExpires()
	if err := <-doneA; !errors.Is(err, context.Canceled) {
		t.Fatalf("first interaction: %v, want context.Canceled", err)
	}
	close(release)
	if err := <-doneB; err != nil {
		t.Fatalf("second interaction: %v", err)
	}
	if got := e.dc.answered("b"); len(got) != 1 || got[0].Title == "" {
		t.Errorf("second interaction answered with %d embeds, want its summary", len(got))
	}
	e.sum.Wait()
	if n, h := e.llm.Calls(), e.llm.HangUps(); n != 1 || h != 0 {
		t.Errorf("%d LLM calls, %d cancelled; want 1 call, none cancelled", n, h)
	}
}

func TestShutdownCancelsTheLLMCallOfInteractions(t *testing.T) {
	e := newFlightEnv(t)
	arrived, hungUp := make(chan struct{}, 4), make(chan struct{}, 4)
	e.llm.SetResponder(func(fakellm.Request) fakellm.Response {
		arrived <- struct{}{}
		return fakellm.Blocked()
	})
	e.llm.OnHangUp(func(fakellm.Request) { hungUp <- struct{}{} })
	// Every interaction's context descends from the bot's, which shutdown
	// cancels.
	bot, shutdown := context.WithCancel(t.Context())
	ctxA, cancelA := context.WithCancel(bot)
	defer cancelA()
	ctxB, cancelB := context.WithCancel(bot)
	defer cancelB()
	doneA := handleAsync(e.r, ctxA, summarizeLink("a", "user-1"))
	<-arrived
	doneB := handleAsync(e.r, ctxB, summarizeLink("b", "user-2"))
	waitInflight(t, e.r, 2)

	shutdown()
	for _, done := range []<-chan error{doneA, doneB} {
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("interaction: %v, want context.Canceled", err)
		}
	}
	select {
	case <-hungUp:
	case <-time.After(30 * time.Second): // a failure guard, never reached when passing
		t.Fatal("the LLM request went on after shutdown")
	}
	e.r.inflight.Wait()
	e.sum.Wait()
	if n := e.llm.Calls(); n != 1 {
		t.Errorf("%d LLM calls, want 1", n)
	}
}
