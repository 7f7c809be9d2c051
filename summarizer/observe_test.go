package summarizer

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/secbrief/secbrief/internal/fakellm"
)

// outcomes records what Options.Observe is told.
type outcomes struct {
	mu  sync.Mutex
	got []string
}

func (o *outcomes) observe(outcome string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.got = append(o.got, outcome)
}

func (o *outcomes) list() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.got)
}

func TestObserveTellsEachAttempt(t *testing.T) {
	ok := fakellm.Reply(fakellm.SummaryJSON("ok", "low"))
	tests := []struct {
		name    string
		opts    Options
		replies []fakellm.Response
		want    []string
	}{
		{name: "ok", replies: []fakellm.Response{ok}, want: []string{"ok"}},
		{name: "429 then ok", replies: []fakellm.Response{fakellm.RateLimited(0), ok}, want: []string{"retry", "ok"}},
		{name: "quota", replies: []fakellm.Response{fakellm.QuotaExceeded(), ok}, want: []string{"quota"}},
		{name: "5xx until out of retries", opts: Options{MaxRetries: 2},
			replies: []fakellm.Response{fakellm.ServerError(500), fakellm.ServerError(502), fakellm.ServerError(503)},
			want:    []string{"retry", "retry", "error"}},
		{name: "400 not retried", replies: []fakellm.Response{{Status: 400, ErrorType: "invalid_request_error"}},
			want: []string{"error"}},
		{name: "no retries", opts: Options{MaxRetries: -1}, replies: []fakellm.Response{fakellm.ServerError(503)},
			want: []string{"error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o outcomes
			tt.opts.Observe = o.observe
			e := newEnv(t, tt.opts)
			e.llm.Enqueue(tt.replies...)
			_, _ = e.s.Summarize(t.Context(), advisory(1))
			if got := o.list(); !slices.Equal(got, tt.want) {
				t.Errorf("observed %q, want %q", got, tt.want)
			}
		})
	}
}

// TestObserveIgnoresTheCallerLeaving: a request the caller cancelled is not
// an LLM failure and is not counted as one.
func TestObserveIgnoresTheCallerLeaving(t *testing.T) {
	var o outcomes
	e := newEnv(t, Options{Observe: o.observe})
	e.llm.Enqueue(fakellm.Reply(fakellm.SummaryJSON("ok", "low")))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := e.s.Summarize(ctx, advisory(1)); err == nil {
		t.Fatal("a cancelled summary succeeded")
	}
	if got := o.list(); len(got) != 0 {
		t.Errorf("observed %q for a cancelled request, want nothing", got)
	}
}
