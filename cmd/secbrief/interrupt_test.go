package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakellm"
)

// TestSummarizeInterruptCancelsTheLLMCall: SIGINT or SIGTERM (the end of
// run's context) during the LLM call makes `secbrief summarize` return at
// once, and the request is cancelled rather than left running.
func TestSummarizeInterruptCancelsTheLLMCall(t *testing.T) {
	llm := fakellm.New(t)
	arrived, hungUp := make(chan struct{}, 4), make(chan struct{}, 4)
	llm.SetResponder(func(fakellm.Request) fakellm.Response {
		arrived <- struct{}{}
		return fakellm.Blocked()
	})
	llm.OnHangUp(func(fakellm.Request) { hungUp <- struct{}{} })
	cfg := writeConfig(t, llm)
	page := "Acme Gateway flaw exploited\n\nAcme patched CVE-2026-12345, an authentication bypass in Acme Gateway 7.0 " +
		"through 7.2 that attackers exploit in the wild. Upgrade to 7.2.1 and restrict the management interface.\n"

	ctx, interrupt := context.WithCancel(t.Context())
	type result struct {
		code        int
		out, errOut string
	}
	done := make(chan result, 1)
	go func() {
		var out, errOut bytes.Buffer
		code := run(ctx, []string{"summarize", "-config", cfg, "-"}, strings.NewReader(page), &out, &errOut,
			func(string) string { return "" })
		done <- result{code, out.String(), errOut.String()}
	}()
	guard := time.After(30 * time.Second) // a failure guard, never reached when passing
	select {
	case <-arrived:
	case <-guard:
		t.Fatal("no LLM request")
	}
	interrupt()
	var got result
	select {
	case got = <-done:
	case <-guard:
		t.Fatal("summarize did not return after the interrupt")
	}
	if got.code != 1 || !strings.Contains(got.errOut, "interrupted") || !strings.Contains(got.errOut, "context canceled") {
		t.Errorf("exit %d, stderr %q; want 1 and an interrupted, context-cancelled error", got.code, got.errOut)
	}
	if got.out != "" {
		t.Errorf("stdout = %q, want nothing", got.out)
	}
	select {
	case <-hungUp:
	case <-guard:
		t.Fatal("the LLM request went on after the interrupt")
	}
	if n := llm.Calls(); n != 1 {
		t.Errorf("%d LLM calls, want 1", n)
	}
}
