package summarizer

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakellm"
	"github.com/secbrief/secbrief/news"
)

// outcome is what one Summarize call returned.
type outcome struct {
	sum news.Summary
	err error
}

// summarizeAsync runs Summarize in a goroutine.
func summarizeAsync(s *Summarizer, ctx context.Context, a news.Article) <-chan outcome {
	out := make(chan outcome, 1)
	go func() {
		sum, err := s.Summarize(ctx, a)
		out <- outcome{sum, err}
	}()
	return out
}

// waitWaiters waits until n callers wait for a's summary call. It yields
// rather than sleeps: joining takes microseconds.
func waitWaiters(t *testing.T, s *Summarizer, a news.Article, n int) {
	t.Helper()
	guard := time.Now().Add(30 * time.Second) // a failure guard, never reached when passing
	for s.flight.Waiters(s.Key(a)) != n {
		if time.Now().After(guard) {
			t.Fatalf("%d callers waiting, want %d", s.flight.Waiters(s.Key(a)), n)
		}
		runtime.Gosched()
	}
}

// recv receives from ch, failing the test if nothing comes in 30 s (a
// failure guard, never reached when passing).
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatalf("no %s", what)
		panic("unreachable")
	}
}

// heldLLM makes every request announce itself on arrived and wait for
// release (it cannot see a hang-up), then answer with a valid summary.
func heldLLM(llm *fakellm.Server) (arrived chan fakellm.Request, release chan struct{}) {
	arrived, release = make(chan fakellm.Request, 8), make(chan struct{})
	llm.SetResponder(func(r fakellm.Request) fakellm.Response {
		arrived <- r
		<-release
		return fakellm.Reply(fakellm.SummaryJSON("Acme Router flaw", "high"))
	})
	return arrived, release
}

// blockedLLM makes every request announce itself and then wait until its
// client hangs up; hungUp receives each request cancelled.
func blockedLLM(llm *fakellm.Server) (arrived, hungUp chan fakellm.Request) {
	arrived, hungUp = make(chan fakellm.Request, 8), make(chan fakellm.Request, 8)
	llm.SetResponder(func(r fakellm.Request) fakellm.Response {
		arrived <- r
		return fakellm.Blocked()
	})
	llm.OnHangUp(func(r fakellm.Request) { hungUp <- r })
	return arrived, hungUp
}

func TestSummarizeFirstCallerLeavingKeepsTheCallForTheOthers(t *testing.T) {
	e := newEnv(t, Options{})
	arrived, release := heldLLM(e.llm)
	a := advisory(1)
	firstCtx, firstLeaves := context.WithCancel(t.Context())
	first := summarizeAsync(e.s, firstCtx, a)
	<-arrived
	second := summarizeAsync(e.s, t.Context(), a)
	waitWaiters(t, e.s, a, 2)

	firstLeaves()
	if got := <-first; !errors.Is(got.err, context.Canceled) {
		t.Fatalf("first caller: %v, want context.Canceled", got.err)
	}
	close(release)
	got := <-second
	if got.err != nil {
		t.Fatalf("second caller: %v", got.err)
	}
	if got.sum.Title != "Acme Router flaw" {
		t.Errorf("second caller's summary title = %q", got.sum.Title)
	}
	e.s.Wait()
	if n, h := e.llm.Calls(), e.llm.HangUps(); n != 1 || h != 0 {
		t.Errorf("%d LLM calls, %d cancelled; want 1 call, none cancelled", n, h)
	}
	if _, ok, _ := e.s.Cached(t.Context(), a); !ok {
		t.Error("the summary was not cached")
	}
}

func TestSummarizeEveryCallerLeavingCancelsTheCall(t *testing.T) {
	e := newEnv(t, Options{})
	arrived, hungUp := blockedLLM(e.llm)
	a := advisory(1)
	ctxA, leaveA := context.WithCancel(t.Context())
	ctxB, leaveB := context.WithCancel(t.Context())
	resA := summarizeAsync(e.s, ctxA, a)
	<-arrived
	resB := summarizeAsync(e.s, ctxB, a)
	waitWaiters(t, e.s, a, 2)

	leaveA()
	<-resA
	leaveB()
	if got := <-resB; !errors.Is(got.err, context.Canceled) {
		t.Fatalf("second caller: %v, want context.Canceled", got.err)
	}
	recv(t, hungUp, "cancelled request at the LLM")
	e.s.Wait()
	if n := e.llm.Calls(); n != 1 {
		t.Errorf("%d LLM calls, want 1: nothing (no retry, no repair) after everyone left", n)
	}
	if u := e.cache.Usage(); len(u) != 0 {
		t.Errorf("usage recorded for a cancelled call: %+v", u)
	}
}

func TestSummarizeAbandonedLongArticleStartsNoMoreNotes(t *testing.T) {
	// One request at a time: the other parts' notes wait their turn, and
	// must never be sent once nobody waits.
	e := newEnv(t, Options{Concurrency: 1, MaxInputTokens: MinInputTokens})
	arrived, hungUp := blockedLLM(e.llm)
	var text strings.Builder
	for i := range 120 {
		fmt.Fprintf(&text, "Paragraph %d: the Acme Router flaw CVE-2025-12341 lets attackers run code; firmware 4.3 fixes it and admins should patch.\n\n", i)
	}
	a := news.Article{URL: "https://example.com/long", Title: "Acme Router flaw, the long story", Text: text.String()}
	ctx, leave := context.WithCancel(t.Context())
	res := summarizeAsync(e.s, ctx, a)
	if r := <-arrived; !r.Contains("Take notes on part") {
		t.Fatalf("first request is not for notes on a part:\n%s", r.LastUser())
	}
	leave()
	<-res
	recv(t, hungUp, "cancelled request at the LLM")
	e.s.Wait()
	if n := e.llm.Calls(); n != 1 {
		t.Errorf("%d LLM calls, want 1: no notes and no combine after the caller left", n)
	}
}

func TestSummarizeDigestKeepsTheCallAnInteractionLeft(t *testing.T) {
	e := newEnv(t, Options{})
	arrived, release := heldLLM(e.llm)
	a := advisory(1)
	interaction, expires := context.WithCancel(WithGuild(t.Context(), "guild-1"))
	fromInteraction := summarizeAsync(e.s, interaction, a)
	<-arrived
	fromDigest := summarizeAsync(e.s, WithGuild(t.Context(), "guild-2"), a)
	waitWaiters(t, e.s, a, 2)

	expires() // the interaction's token ran out
	<-fromInteraction
	close(release)
	if got := <-fromDigest; got.err != nil || got.sum.Title == "" {
		t.Fatalf("digest's summary: %+v, %v", got.sum, got.err)
	}
	e.s.Wait()
	if n := e.llm.Calls(); n != 1 {
		t.Errorf("%d LLM calls, want 1", n)
	}
	// The shared call keeps the first caller's values: its guild pays.
	if u := e.cache.Usage(); len(u) != 1 || u[0].GuildID != "guild-1" {
		t.Errorf("usage = %+v, want one record for guild-1", u)
	}
}

func TestSummarizeCallerGoneBeforeItStartsSpendsNothing(t *testing.T) {
	e := newEnv(t, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := e.s.Summarize(ctx, advisory(1)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Summarize = %v, want context.Canceled", err)
	}
	e.s.Wait()
	if n := e.llm.Calls(); n != 0 {
		t.Errorf("%d LLM calls for a caller already gone", n)
	}
}
