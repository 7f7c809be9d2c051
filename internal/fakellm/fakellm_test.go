package fakellm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

const body = `{"model":"m","messages":[{"role":"system","content":"sys"},` +
	`{"role":"user","content":[{"type":"text","text":"hello "},{"type":"text","text":"world"}]}],` +
	`"response_format":{"type":"json_object"},"max_tokens":77}`

func post(t *testing.T, ctx context.Context, url, b string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/chat/completions", strings.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer sk-test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp, data, err
}

func TestResponses(t *testing.T) {
	tests := []struct {
		name       string
		resp       Response
		wantStatus int
		wantRetry  string
		wantInBody string
	}{
		{"reply", Reply("hi there"), 200, "", `"content":"hi there"`},
		{"rate limited", RateLimited(1500 * time.Millisecond), 429, "2", `"code":"rate_limit_exceeded"`},
		{"quota", QuotaExceeded(), 429, "", `"type":"insufficient_quota"`},
		{"server error", ServerError(503), 503, "", `"type":"server_error"`},
		{"raw body", Response{RawBody: "{not json"}, 200, "", "{not json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(t)
			s.Enqueue(tt.resp)
			resp, data, err := post(t, t.Context(), s.URL(), body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := resp.Header.Get("Retry-After"); got != tt.wantRetry {
				t.Errorf("Retry-After = %q, want %q", got, tt.wantRetry)
			}
			if !bytes.Contains(data, []byte(tt.wantInBody)) {
				t.Errorf("body %s lacks %s", data, tt.wantInBody)
			}
		})
	}
}

func TestRecordsRequestsAndUsage(t *testing.T) {
	s := New(t)
	s.Enqueue(Response{Content: "x", PromptTokens: 11, CompletionTokens: 3})
	_, data, err := post(t, t.Context(), s.URL(), body)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Usage struct {
			PromptTokens     int `json:"prompt_tokens"`
			CompletionTokens int `json:"completion_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if out.Usage.PromptTokens != 11 || out.Usage.CompletionTokens != 3 {
		t.Errorf("usage = %+v", out.Usage)
	}
	reqs := s.Requests()
	if len(reqs) != 1 || s.Calls() != 1 {
		t.Fatalf("recorded %d requests, %d calls", len(reqs), s.Calls())
	}
	r := reqs[0]
	if r.Model != "m" || r.ResponseFormat != "json_object" || r.MaxTokens != 77 {
		t.Errorf("decoded %+v", r)
	}
	if r.System() != "sys" || r.LastUser() != "hello world" || !r.Contains("world") {
		t.Errorf("messages = %+v", r.Messages)
	}
	if r.Header.Get("Authorization") != "Bearer sk-test" {
		t.Errorf("authorization header not recorded")
	}
}

func TestQueueThenResponder(t *testing.T) {
	s := New(t)
	s.Enqueue(Reply("first"))
	s.SetResponder(func(r Request) Response { return Reply("echo " + r.Model) })
	for _, want := range []string{`"first"`, `"echo m"`, `"echo m"`} {
		_, data, err := post(t, t.Context(), s.URL(), body)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("body %s lacks %s", data, want)
		}
	}
	if s.Pending() != 0 {
		t.Errorf("pending = %d", s.Pending())
	}
}

func TestDefaultResponder(t *testing.T) {
	s := New(t)
	_, data, err := post(t, t.Context(), s.URL(), body)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`\"severity\":\"medium\"`)) {
		t.Errorf("json_object request did not get a summary: %s", data)
	}
}

func TestBadRequests(t *testing.T) {
	s := New(t)
	for name, b := range map[string]string{
		"not json":    "{",
		"no model":    `{"messages":[{"role":"user","content":"x"}]}`,
		"no messages": `{"model":"m","messages":[]}`,
	} {
		resp, _, err := post(t, t.Context(), s.URL(), b)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d", name, resp.StatusCode)
		}
	}
	resp, err := http.Get(s.URL() + "/models")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /models: status %d", resp.StatusCode)
	}
}

func TestLatencyEndsWhenClientHangsUp(t *testing.T) {
	s := New(t)
	s.SetLatency(time.Minute)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := post(t, ctx, s.URL(), body)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if time.Since(start) > 30*time.Second {
		t.Errorf("request was not cut short")
	}
}

func TestMaxInFlight(t *testing.T) {
	s := New(t)
	release := make(chan struct{})
	var arrived sync.WaitGroup
	arrived.Add(3)
	s.SetResponder(func(Request) Response {
		arrived.Done()
		<-release
		return Reply("ok")
	})
	var done sync.WaitGroup
	for range 3 {
		done.Go(func() {
			if _, _, err := post(t, context.Background(), s.URL(), body); err != nil {
				t.Error(err)
			}
		})
	}
	arrived.Wait()
	close(release)
	done.Wait()
	if got := s.MaxInFlight(); got != 3 {
		t.Errorf("MaxInFlight = %d, want 3", got)
	}
}

func TestBlockedRequestEndsWhenTheClientHangsUp(t *testing.T) {
	s := New(t)
	arrived := make(chan struct{})
	s.SetResponder(func(Request) Response {
		close(arrived)
		return Blocked()
	})
	hungUp := make(chan Request, 1)
	s.OnHangUp(func(r Request) { hungUp <- r })

	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, _, err := post(t, ctx, s.URL(), body)
		errc <- err
	}()
	<-arrived
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("client error = %v, want context.Canceled", err)
	}
	if r := <-hungUp; r.Model != "m" {
		t.Errorf("hung-up request model = %q, want m", r.Model)
	}
	if n := s.HangUps(); n != 1 {
		t.Errorf("HangUps = %d, want 1", n)
	}
}
