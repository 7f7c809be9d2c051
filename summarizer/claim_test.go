package summarizer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakellm"
	"github.com/secbrief/secbrief/news"
)

func TestSummarizeTwoProcessesMakeOneLLMCall(t *testing.T) {
	p := newTwoProcesses(t, Options{})
	arrived, held := heldLLM(p.llm)
	release := sync.OnceFunc(func() { close(held) })
	t.Cleanup(release) // a failing test must not leave a request held
	a := advisory(1)
	resA := summarizeAsync(p.a, t.Context(), a)
	resB := summarizeAsync(p.b, t.Context(), a)
	<-arrived                           // one of them claimed it and asks the LLM
	waitPaused(t, p.clock, 1, "waiter") // the other waits for its summary
	resMaker, resWaiter := resA, resB
	switch h := p.store.holder(claimOf(p.a, a)); h {
	case "a":
	case "b":
		resMaker, resWaiter = resB, resA
	default:
		t.Fatalf("claim holder %q while the LLM is asked", h)
	}
	release()

	// The maker needs no pause; the waiter finds its summary at its next look.
	made := recv(t, resMaker, "maker's result")
	waited := settle(t, p.clock, 1, resWaiter)[0]
	outs := []outcome{made, waited}
	madeAndWaited(t, outs)
	if made.sum.Title != "Acme Router flaw" || waited.sum.Title != made.sum.Title {
		t.Errorf("titles: %s", describeOutcomes(outs))
	}
	if waited.sum.SourceURL != a.URL || waited.sum.ArticleHash != a.Hash() {
		t.Errorf("waiter's summary lacks the article's fields: %+v", waited.sum)
	}
	if n := p.llm.Calls(); n != 1 {
		t.Errorf("%d LLM calls, want 1", n)
	}
	if h := p.store.holder(claimOf(p.a, a)); h != "" {
		t.Errorf("claim still held by %q after the summary was stored", h)
	}
	if got := p.store.count("a", "Release") + p.store.count("b", "Release"); got != 1 {
		t.Errorf("%d releases, want 1 (the maker's)", got)
	}
}

func TestSummarizeHolderFailsWaiterMakesIt(t *testing.T) {
	p := newTwoProcesses(t, Options{})
	first, failing := make(chan struct{}), make(chan struct{})
	fail := sync.OnceFunc(func() { close(failing) })
	t.Cleanup(fail) // a failing test must not leave a request held
	var calls atomic.Int32
	p.llm.SetResponder(func(fakellm.Request) fakellm.Response {
		if calls.Add(1) == 1 {
			close(first)
			<-failing
			return fakellm.Response{Status: http.StatusBadRequest, ErrorType: "invalid_request_error",
				ErrorMessage: "bad request"}
		}
		return fakellm.Reply(fakellm.SummaryJSON("Acme Router flaw", "high"))
	})
	a := advisory(1)
	resA := summarizeAsync(p.a, t.Context(), a)
	<-first
	resB := summarizeAsync(p.b, t.Context(), a)
	waitPaused(t, p.clock, 1, "waiter")

	fail()
	if got := recv(t, resA, "holder's result"); got.err == nil {
		t.Fatalf("holder: no error after a 400")
	}
	// Released at once, not when the lease lapses.
	if h := p.store.holder(claimOf(p.a, a)); h != "" {
		t.Fatalf("claim held by %q after the holder failed", h)
	}
	got := settle(t, p.clock, 1, resB)[0]
	if got.err != nil {
		t.Fatalf("waiter: %v", got.err)
	}
	if got.sum.Cached || got.sum.Title != "Acme Router flaw" {
		t.Errorf("waiter's summary: cached %v, title %q; want its own", got.sum.Cached, got.sum.Title)
	}
	if n := p.llm.Calls(); n != 2 {
		t.Errorf("%d LLM calls, want 2 (the failed one, the waiter's)", n)
	}
	if _, ok, _ := p.b.Cached(t.Context(), a); !ok {
		t.Error("the waiter's summary was not stored")
	}
}

func TestSummarizeHolderDiesWaiterTakesOverWhenTheLeaseLapses(t *testing.T) {
	p := newTwoProcesses(t, Options{})
	a := advisory(1)
	key := claimOf(p.b, a)
	p.store.plant(key, "dead") // a process that claimed it, then died
	res := summarizeAsync(p.b, t.Context(), a)
	waitPaused(t, p.clock, 1, "waiter")
	if n := p.llm.Calls(); n != 0 {
		t.Fatalf("%d LLM calls while the claim is live", n)
	}

	p.store.advance(p.store.lease)
	got := settle(t, p.clock, 1, res)[0]
	if got.err != nil || got.sum.Cached {
		t.Fatalf("waiter: cached %v, %v; want its own summary", got.sum.Cached, got.err)
	}
	if n := p.llm.Calls(); n != 1 {
		t.Errorf("%d LLM calls, want 1", n)
	}
	if h := p.store.holder(key); h != "" {
		t.Errorf("claim held by %q after the summary was stored", h)
	}
}

func TestSummarizeWaiterGivesUp(t *testing.T) {
	e := newEnv(t, Options{ClaimWait: time.Second})
	store := newClaimStore()
	e.s = New(e.s.client, store.process("b"), e.s.opts, e.s.log)
	a := advisory(1)
	key := claimOf(e.s, a)
	store.plant(key, "busy") // a live process that never finishes (its clock stands still)

	_, err := e.s.Summarize(t.Context(), a)
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("Summarize = %v, want ErrBusy", err)
	}
	if !strings.Contains(err.Error(), "try again") || !strings.Contains(err.Error(), a.URL) {
		t.Errorf("error %q does not name the article and say to retry", err)
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 300 * time.Millisecond}
	if got := e.sleeps.waits(); !slices.Equal(got, want) {
		t.Errorf("pauses %v, want %v (doubling from 100 ms, ClaimWait in all)", got, want)
	}
	if n := e.llm.Calls(); n != 0 {
		t.Errorf("%d LLM calls, want none", n)
	}
	if h := store.holder(key); h != "busy" {
		t.Errorf("claim holder %q, want the busy process's, untouched", h)
	}
}

func TestSummarizeWaitPausesLevelOff(t *testing.T) {
	pace := pacer{next: claimPollFirst, limit: 10 * time.Second}
	var got []time.Duration
	for d, ok := pace.step(); ok; d, ok = pace.step() {
		got = append(got, d)
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond,
		800 * time.Millisecond, 1600 * time.Millisecond, 2 * time.Second, 2 * time.Second, 2 * time.Second,
		900 * time.Millisecond}
	if !slices.Equal(got, want) {
		t.Errorf("pauses %v, want %v", got, want)
	}
}

func TestClaimWaitDefault(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		want    time.Duration
		comment string
	}{
		{"default timeout", Options{}, 4 * DefaultTimeout, "four request timeouts"},
		{"short timeout", Options{Timeout: time.Second}, 30 * time.Second, "at least 30 s"},
		{"long timeout", Options{Timeout: 5 * time.Minute}, 10 * time.Minute, "at most 10 min"},
		{"set", Options{ClaimWait: 5 * time.Second}, 5 * time.Second, "as set"},
		{"negative", Options{ClaimWait: -time.Second, Timeout: 20 * time.Second}, 80 * time.Second, "the default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.opts.withDefaults().ClaimWait; got != tt.want {
				t.Errorf("ClaimWait = %s, want %s (%s)", got, tt.want, tt.comment)
			}
		})
	}
}

func TestSummarizeCancelStopsWaiting(t *testing.T) {
	p := newTwoProcesses(t, Options{})
	a := advisory(1)
	p.store.plant(claimOf(p.b, a), "busy")
	ctx, cancel := context.WithCancel(t.Context())
	res := summarizeAsync(p.b, ctx, a)
	waitPaused(t, p.clock, 1, "waiter")
	looks := p.store.count("b", "ClaimHeld")

	cancel()
	if got := recv(t, res, "result"); !errors.Is(got.err, context.Canceled) {
		t.Fatalf("Summarize = %v, want context.Canceled", got.err)
	}
	p.b.Wait() // the shared work stopped too, not just the caller
	if n := len(p.clock.Pending()); n != 0 {
		t.Errorf("%d pauses still pending", n)
	}
	if n := p.store.count("b", "ClaimHeld"); n != looks {
		t.Errorf("%d more looks at the claim after the cancel", n-looks)
	}
	if n := p.llm.Calls(); n != 0 {
		t.Errorf("%d LLM calls, want none", n)
	}
}

func TestSummarizeLongArticleRenewsItsClaim(t *testing.T) {
	// One request at a time, each answered when the test says: between
	// them the store's clock moves past the first lease.
	p := newTwoProcesses(t, Options{Concurrency: 1, MaxInputTokens: MinInputTokens})
	p.store.lease = time.Minute
	arrived, next := make(chan fakellm.Request, 16), make(chan struct{})
	answerAll := sync.OnceFunc(func() { close(next) })
	t.Cleanup(answerAll) // a failing test must not leave a request held
	p.llm.SetResponder(func(r fakellm.Request) fakellm.Response {
		arrived <- r
		<-next
		return fakellm.DefaultResponder(r)
	})
	var text strings.Builder
	for i := range 60 {
		fmt.Fprintf(&text, "Paragraph %d: the Acme Router flaw CVE-2025-12341 lets attackers run code; firmware 4.3 fixes it and admins should patch.\n\n", i)
	}
	a := news.Article{URL: "https://example.com/long", Title: "Acme Router flaw, the long story", Text: text.String()}
	key := claimOf(p.a, a)

	resA := summarizeAsync(p.a, t.Context(), a)
	recv(t, arrived, "first notes request")
	p.store.advance(50 * time.Second)
	next <- struct{}{}
	recv(t, arrived, "second notes request") // claimed again just before it: until 110 s
	p.store.advance(50 * time.Second)        // 100 s: the first lease lapsed at 60 s
	if h := p.store.holder(key); h != "a" {
		t.Fatalf("claim holder %q at 100 s, want a (renewed)", h)
	}
	resB := summarizeAsync(p.b, t.Context(), a)
	waitPaused(t, p.clock, 1, "second process") // it waits instead of calling the LLM
	answerAll()

	made := recv(t, resA, "maker's result")
	madeAndWaited(t, []outcome{made, settle(t, p.clock, 1, resB)[0]})
	calls := p.llm.Calls()
	if calls < 3 {
		t.Fatalf("%d LLM calls; the article is not long enough to need notes", calls)
	}
	// One claim, then one renewal before each request; the waiter sent none.
	if got := p.store.count("a", "Claim"); got != 1+calls {
		t.Errorf("%d claims by the maker for %d LLM requests, want %d", got, calls, 1+calls)
	}
}

func TestSummarizeWithoutClaimsWhenTheyFail(t *testing.T) {
	p := newTwoProcesses(t, Options{})
	p.store.claimErr = errors.New("database is down")
	sum, err := p.a.Summarize(t.Context(), advisory(1))
	if err != nil {
		t.Fatalf("Summarize = %v; a claim failing must not stop a summary", err)
	}
	if sum.Cached || p.llm.Calls() != 1 {
		t.Errorf("cached %v, %d LLM calls; want one made", sum.Cached, p.llm.Calls())
	}
}

func TestCacheHitAndAnswerTakeNoClaim(t *testing.T) {
	p := newTwoProcesses(t, Options{})
	a := advisory(1)
	if _, err := p.a.Summarize(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	before := p.store.total()
	if sum, err := p.b.Summarize(t.Context(), a); err != nil || !sum.Cached {
		t.Fatalf("second Summarize: cached %v, %v", sum.Cached, err)
	}
	if _, err := p.b.Answer(t.Context(), Question{Text: "Which firmware fixes it?", Sources: []Source{{Article: a}}}); err != nil {
		t.Fatalf("Answer: %v", err)
	}
	if n := p.store.total() - before; n != 0 {
		t.Errorf("%d claim operations for a cache hit and an answer, want none", n)
	}
	if n := p.llm.Calls(); n != 2 {
		t.Errorf("%d LLM calls, want 2 (one summary, one answer)", n)
	}
}
