// Package fakellm is an in-process OpenAI-compatible chat completions server
// for tests: scripted answers, recorded requests, latency, injected 429s
// (with Retry-After), quota errors and 5xx, and a concurrency high-water mark.
//
//	llm := fakellm.New(t)
//	llm.Enqueue(fakellm.RateLimited(time.Second), fakellm.Reply(`{"title":...}`))
//	client := ... base URL llm.URL() ...
//	reqs := llm.Requests()
package fakellm

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Responder computes the response to one request.
type Responder func(Request) Response

// Server is a fake OpenAI-compatible API. All methods are safe for
// concurrent use.
type Server struct {
	srv *httptest.Server

	mu          sync.Mutex
	queue       []Response
	responder   Responder
	latency     time.Duration
	requests    []Request
	inFlight    int
	maxInFlight int
	calls       int
	hangUps     int           // requests whose client left before the reply
	onHangUp    func(Request) // told about each of them (hangup.go)
}

// New starts a server that is closed when the test ends.
func New(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{responder: DefaultResponder}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	tb.Cleanup(s.Close)
	return s
}

// URL is the API base URL, ending in /v1 (what go-openai's BaseURL wants).
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// Close shuts the server down; New registers it with t.Cleanup already.
func (s *Server) Close() { s.srv.Close() }

// Enqueue appends scripted responses; each request takes the next one.
// When the queue is empty the responder answers.
func (s *Server) Enqueue(rs ...Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, rs...)
}

// SetResponder sets the function that answers when the queue is empty
// (nil restores DefaultResponder).
func (s *Server) SetResponder(f Responder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == nil {
		f = DefaultResponder
	}
	s.responder = f
}

// SetLatency sets the default delay before every response.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// Requests returns a copy of every chat completion request received so far,
// in arrival order (including the ones answered with errors).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Calls is the number of chat completion requests received so far.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// MaxInFlight is the highest number of requests served at the same time.
func (s *Server) MaxInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxInFlight
}

// Pending is the number of queued responses not yet used.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		writeError(w, http.StatusNotFound, "invalid_request_error", "not_found",
			fmt.Sprintf("fakellm serves POST /v1/chat/completions, not %s %s", r.Method, r.URL.Path))
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "read body: "+err.Error())
		return
	}
	req, err := decodeRequest(body, r.Header)
	if err != nil {
		s.mu.Lock()
		s.calls++
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", err.Error())
		return
	}

	resp, latency := s.begin(req)
	defer s.end()

	if latency > 0 && !wait(r.Context(), latency) {
		s.hungUp(req)
		return
	}
	writeResponse(w, req, resp)
}

// begin records the request and picks its response.
func (s *Server) begin(req Request) (Response, time.Duration) {
	s.mu.Lock()
	s.calls++
	s.requests = append(s.requests, req)
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	var resp Response
	queued := len(s.queue) > 0
	if queued {
		resp = s.queue[0]
		s.queue = s.queue[1:]
	}
	responder, latency := s.responder, s.latency
	s.mu.Unlock()

	if !queued {
		resp = responder(req) // outside the lock: responders may call Requests
	}
	if resp.Latency > 0 {
		latency = resp.Latency
	}
	return resp, latency
}

func (s *Server) end() {
	s.mu.Lock()
	s.inFlight--
	s.mu.Unlock()
}

// wait sleeps for d unless ctx ends first; it reports whether d elapsed.
func wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func writeResponse(w http.ResponseWriter, req Request, resp Response) {
	if resp.RetryAfter > 0 {
		secs := int(math.Ceil(resp.RetryAfter.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	if resp.RawBody != "" {
		status := resp.Status
		if status == 0 {
			status = http.StatusOK
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, resp.RawBody)
		return
	}
	if resp.Status != 0 {
		writeError(w, resp.Status, resp.ErrorType, resp.ErrorCode, resp.ErrorMessage)
		return
	}
	prompt, completion := resp.PromptTokens, resp.CompletionTokens
	if prompt == 0 && completion == 0 {
		prompt, completion = len(req.Text())/4+1, len(resp.Content)/4+1
	}
	finish := resp.FinishReason
	if finish == "" {
		finish = "stop"
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id":      "chatcmpl-fake",
		"object":  "chat.completion",
		"created": time.Now().Unix(),
		"model":   req.Model,
		"choices": []map[string]any{{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": resp.Content},
			"finish_reason": finish,
		}},
		"usage": map[string]any{
			"prompt_tokens":     prompt,
			"completion_tokens": completion,
			"total_tokens":      prompt + completion,
		},
	})
}

func writeError(w http.ResponseWriter, status int, typ, code, msg string) {
	if msg == "" {
		msg = http.StatusText(status)
	}
	e := map[string]any{"message": msg, "type": typ, "param": nil, "code": nil}
	if code != "" {
		e["code"] = code
	}
	writeJSON(w, status, map[string]any{"error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
