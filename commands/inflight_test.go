package commands

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/internal/fakellm"
)

const flightLink = "https://example.com/acme-gateway"

// summarizeLink is a /summarize url:link request from user in a guild.
func summarizeLink(id, user string) bot.Request {
	req := inGuild(cmdSummarize, map[string]any{"url": flightLink})
	req.InteractionID, req.UserID = id, user
	return req
}

// handleAsync runs /summarize, with its work for later, in a goroutine.
func handleAsync(tb *Table, ctx context.Context, req bot.Request) <-chan result {
	done := make(chan result, 1)
	go func() { done <- run(ctx, tb.summarize, req) }()
	return done
}

// waitInflight waits until n interactions wait for the link's work,
// yielding rather than sleeping: joining takes microseconds.
func waitInflight(t *testing.T, tb *Table, n int) {
	t.Helper()
	guard := time.Now().Add(30 * time.Second) // a failure guard, never reached when passing
	for tb.inflight.Waiters(flightLink) != n {
		if time.Now().After(guard) {
			t.Fatalf("%d interactions waiting, want %d", tb.inflight.Waiters(flightLink), n)
		}
		runtime.Gosched()
	}
}

func TestSummarizeURLFirstInteractionLeavingKeepsTheWorkForTheOther(t *testing.T) {
	e := newEnv(t, Options{})
	arrived, release := make(chan struct{}, 4), make(chan struct{})
	e.llm.SetResponder(func(fakellm.Request) fakellm.Response {
		arrived <- struct{}{}
		<-release
		return fakellm.Reply(fakellm.SummaryJSON("Acme Gateway flaw exploited", "critical", "CVE-2026-12345"))
	})
	first, firstExpires := context.WithCancel(t.Context())
	doneA := handleAsync(e.t, first, summarizeLink("a", "user-1"))
	<-arrived
	doneB := handleAsync(e.t, t.Context(), summarizeLink("b", "user-2"))
	waitInflight(t, e.t, 2)

	firstExpires()
	if r := <-doneA; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("first interaction: %v, want context.Canceled", r.err)
	}
	close(release)
	r := <-doneB
	if r.err != nil {
		t.Fatalf("second interaction: %v", r.err)
	}
	if got := r.resp.Embeds; len(got) != 1 || got[0].Title == "" {
		t.Errorf("second interaction answered with %d embeds, want its summary", len(got))
	}
	e.sum.Wait()
	if n, h := e.llm.Calls(), e.llm.HangUps(); n != 1 || h != 0 {
		t.Errorf("%d LLM calls, %d cancelled; want 1 call, none cancelled", n, h)
	}
}

func TestShutdownCancelsTheLLMCallOfInteractions(t *testing.T) {
	e := newEnv(t, Options{})
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
	doneA := handleAsync(e.t, ctxA, summarizeLink("a", "user-1"))
	<-arrived
	doneB := handleAsync(e.t, ctxB, summarizeLink("b", "user-2"))
	waitInflight(t, e.t, 2)

	shutdown()
	for _, done := range []<-chan result{doneA, doneB} {
		if r := <-done; !errors.Is(r.err, context.Canceled) {
			t.Errorf("interaction: %v, want context.Canceled", r.err)
		}
	}
	select {
	case <-hungUp:
	case <-time.After(30 * time.Second): // a failure guard, never reached when passing
		t.Fatal("the LLM request went on after shutdown")
	}
	e.t.inflight.Wait()
	e.sum.Wait()
	if n := e.llm.Calls(); n != 1 {
		t.Errorf("%d LLM calls, want 1", n)
	}
}
