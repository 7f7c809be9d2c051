package summarizer

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakellm"
)

// TestAzureClient summarizes through an Azure-style server: the request
// goes to the deployment named exactly as configured (go-openai's default
// mapper would make gpt-3.5-turbo gpt-35-turbo), with the api-version query and the key in the api-key header.
func TestAzureClient(t *testing.T) {
	for _, deployment := range []string{"gpt-4o-mini", "gpt-3.5-turbo", "gpt-4.1"} {
		t.Run(deployment, func(t *testing.T) {
			az := fakellm.NewAzure(t)
			az.Enqueue(fakellm.Reply(fakellm.SummaryJSON("Acme Router flaw", "high")))
			s := New(NewAzureClient(az.Endpoint(), "az-key-123", "2024-10-21", nil), nil,
				Options{Model: deployment, Sleep: (&sleeps{}).sleep}, nil)
			if _, err := s.Summarize(t.Context(), advisory(1)); err != nil {
				t.Fatal(err)
			}
			want := "/openai/deployments/" + deployment + "/chat/completions?api-version=2024-10-21"
			if got := az.Targets(); len(got) != 1 || got[0] != want {
				t.Fatalf("targets %v, want [%s]", got, want)
			}
			req := az.Requests()[0]
			if req.Header.Get("Api-Key") != "az-key-123" || req.Header.Get("Authorization") != "" {
				t.Errorf("api-key %q, authorization %q: want the key in api-key only", req.Header.Get("Api-Key"), req.Header.Get("Authorization"))
			}
		})
	}
}

// TestSlowLLMNamesTheTimeout: an attempt the LLM does not answer within
// Options.Timeout fails as unavailable, saying which key bounds it.
func TestSlowLLMNamesTheTimeout(t *testing.T) {
	e := newEnv(t, Options{Timeout: 50 * time.Millisecond, MaxRetries: 1})
	e.llm.Enqueue(fakellm.Blocked(), fakellm.Blocked())
	_, err := e.s.Summarize(t.Context(), advisory(1))
	var slow *SlowError
	if !errors.Is(err, ErrUnavailable) || !errors.As(err, &slow) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrUnavailable from a SlowError", err)
	}
	if !strings.Contains(err.Error(), "did not answer within 50ms (llm.timeout") {
		t.Errorf("error %q lacks the llm.timeout hint", err)
	}
	if n := e.llm.Calls(); n != 2 {
		t.Errorf("calls %d, want 2 (a slow attempt is retried)", n)
	}
	// A caller's own deadline is not a slow LLM.
	e2 := newEnv(t, Options{Timeout: time.Hour, MaxRetries: -1})
	e2.llm.Enqueue(fakellm.Blocked())
	ctx2, cancel2 := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel2()
	if _, err := e2.s.Summarize(ctx2, advisory(2)); errors.As(err, &slow) {
		t.Errorf("the caller's deadline was reported as a slow LLM: %v", err)
	}
}
