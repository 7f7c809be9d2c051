package summarizer

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/secbrief/secbrief/internal/clock"
	"github.com/secbrief/secbrief/internal/fakellm"
)

func TestRetries(t *testing.T) {
	ok := fakellm.Reply(fakellm.SummaryJSON("ok", "low"))
	tests := []struct {
		name      string
		opts      Options
		replies   []fakellm.Response
		wantErr   error
		wantCalls int
		// wantWaits are exact waits; when nil, waitsIn bounds each wait.
		wantWaits []time.Duration
		waitsIn   [2]time.Duration
	}{
		{name: "429 honours Retry-After", replies: []fakellm.Response{fakellm.RateLimited(7 * time.Second), ok},
			wantCalls: 2, wantWaits: []time.Duration{7 * time.Second}},
		{name: "Retry-After capped", opts: Options{MaxRetryWait: 2 * time.Second},
			replies:   []fakellm.Response{fakellm.RateLimited(time.Hour), ok},
			wantCalls: 2, wantWaits: []time.Duration{2 * time.Second}},
		{name: "insufficient_quota not retried", replies: []fakellm.Response{fakellm.QuotaExceeded(), ok},
			wantErr: ErrQuota, wantCalls: 1, wantWaits: []time.Duration{}},
		{name: "5xx retried then unavailable", opts: Options{MaxRetries: 2},
			replies: []fakellm.Response{fakellm.ServerError(500), fakellm.ServerError(502),
				fakellm.ServerError(503), ok},
			wantErr: ErrUnavailable, wantCalls: 3, waitsIn: [2]time.Duration{500 * time.Millisecond, 2 * time.Second}},
		{name: "5xx then success", replies: []fakellm.Response{fakellm.ServerError(503), ok},
			wantCalls: 2, waitsIn: [2]time.Duration{500 * time.Millisecond, time.Second}},
		{name: "400 not retried", replies: []fakellm.Response{{Status: 400, ErrorType: "invalid_request_error"}, ok},
			wantErr: nil, wantCalls: 1, wantWaits: []time.Duration{}},
		{name: "garbage body retried", replies: []fakellm.Response{{RawBody: "<html>proxy error"}, ok},
			wantCalls: 2, waitsIn: [2]time.Duration{500 * time.Millisecond, time.Second}},
		{name: "timeout retried", opts: Options{Timeout: 500 * time.Millisecond},
			replies:   []fakellm.Response{{Latency: time.Minute}, ok},
			wantCalls: 2, waitsIn: [2]time.Duration{500 * time.Millisecond, time.Second}},
		{name: "no retries", opts: Options{MaxRetries: -1}, replies: []fakellm.Response{fakellm.ServerError(500)},
			wantErr: ErrUnavailable, wantCalls: 1, wantWaits: []time.Duration{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts)
			e.llm.Enqueue(tt.replies...)
			_, err := e.s.Summarize(t.Context(), advisory(1))
			switch {
			case tt.name == "400 not retried":
				var apiErr *openai.APIError
				if errors.Is(err, ErrUnavailable) || !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 400 {
					t.Errorf("err = %v, want a plain request error", err)
				}
			case !errors.Is(err, tt.wantErr):
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if e.llm.Calls() != tt.wantCalls {
				t.Errorf("%d calls, want %d", e.llm.Calls(), tt.wantCalls)
			}
			waits := e.sleeps.waits()
			if tt.wantWaits != nil {
				if len(waits) != len(tt.wantWaits) {
					t.Fatalf("waits = %v, want %v", waits, tt.wantWaits)
				}
				for i := range waits {
					if waits[i] != tt.wantWaits[i] {
						t.Errorf("waits = %v, want %v", waits, tt.wantWaits)
					}
				}
				return
			}
			if len(waits) != tt.wantCalls-1 {
				t.Errorf("%d waits for %d calls", len(waits), tt.wantCalls)
			}
			for i, w := range waits {
				lo, hi := tt.waitsIn[0]<<i, tt.waitsIn[1]<<i
				if w < lo || w > hi {
					t.Errorf("wait %d = %v, want within [%v, %v]", i, w, lo, hi)
				}
			}
		})
	}
}

// TestRetryAfterRealTimer runs one Retry-After: 1 with the real timer.
func TestRetryAfterRealTimer(t *testing.T) {
	if testing.Short() {
		t.Skip("waits one second")
	}
	e := newEnv(t, Options{Sleep: clock.Wall{}.Sleep})
	e.llm.Enqueue(fakellm.RateLimited(time.Second))
	start := time.Now()
	if _, err := e.s.Summarize(t.Context(), advisory(1)); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("retried after %v, before Retry-After's 1s", d)
	}
}

func TestRetryAfterHeader(t *testing.T) {
	s := New(nil, nil, Options{Now: func() time.Time { return testDay }}, nil)
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
		ok     bool
	}{
		{"absent", http.Header{}, 0, false},
		{"seconds", http.Header{"Retry-After": {"3"}}, 3 * time.Second, true},
		{"fraction", http.Header{"Retry-After": {"0.5"}}, 500 * time.Millisecond, true},
		{"ms header wins", http.Header{"Retry-After-Ms": {"250"}, "Retry-After": {"3"}}, 250 * time.Millisecond, true},
		{"http date", http.Header{"Retry-After": {testDay.Add(9 * time.Second).UTC().Format(http.TimeFormat)}}, 9 * time.Second, true},
		{"past date", http.Header{"Retry-After": {testDay.Add(-time.Hour).UTC().Format(http.TimeFormat)}}, 0, true},
		{"garbage", http.Header{"Retry-After": {"soon"}}, 0, false},
		{"negative", http.Header{"Retry-After": {"-4"}}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := s.retryAfter(tt.header)
			if got != tt.want || ok != tt.ok {
				t.Errorf("retryAfter = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestReasoningModelsGetMaxCompletionTokens(t *testing.T) {
	e := newEnv(t, Options{Model: "o3-mini"})
	if _, err := e.s.Summarize(t.Context(), advisory(1)); err != nil {
		t.Fatal(err)
	}
	r := e.llm.Requests()[0]
	if r.MaxTokens != 0 || r.MaxCompletionTokens != DefaultMaxOutputTokens {
		t.Errorf("max_tokens=%d max_completion_tokens=%d", r.MaxTokens, r.MaxCompletionTokens)
	}
}
