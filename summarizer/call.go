package summarizer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sashabaranov/go-openai"
)

// retryBase is the first backoff step; it doubles with every attempt.
const retryBase = time.Second

// request is one chat completion the summarizer wants.
type request struct {
	purpose  string // for logs: summary, notes, combine, repair, answer
	messages []Message
	json     bool // response_format json_object
	// maxTokens, when positive, lowers the completion cap below
	// Options.MaxOutputTokens (the notes of a long article).
	maxTokens int
}

// complete sends req, retrying 429s, 5xx, timeouts and connection errors
// with exponential backoff and jitter (Retry-After honoured, capped by
// MaxRetryWait). It returns the reply's content. The request's most tokens
// are reserved from the guild's daily budget first (see reserve): when the
// budget is spent it returns an error wrapping news.ErrBudgetSpent and
// sends nothing. Afterwards the reservation is settled with the real usage.
//
// Options.Observe is told each attempt's outcome: ok (the server answered
// with a completion), retry (it failed and will be tried again), error (it
// failed for good: not retryable, out of retries, or a reply without
// choices) or quota (ErrQuota). An attempt the caller's context ended is
// not the LLM's doing and is not told.
func (s *Summarizer) complete(ctx context.Context, req request) (string, error) {
	creq := s.chatRequest(req)
	r, err := s.reserve(ctx, req, creq)
	if err != nil {
		return "", fmt.Errorf("%s request: %w", req.purpose, err)
	}
	resp, err := s.send(ctx, req, creq)
	s.settle(ctx, r, req, resp, err == nil)
	if err != nil {
		return "", err
	}
	if len(resp.Choices) == 0 {
		s.opts.Observe("error")
		return "", fmt.Errorf("%s reply: %w: no choices", req.purpose, ErrInvalidOutput)
	}
	s.opts.Observe("ok")
	return resp.Choices[0].Message.Content, nil
}

// send makes the attempts of complete until the server answers, and
// returns its answer.
func (s *Summarizer) send(ctx context.Context, req request, creq openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error) {
	for attempt := 0; ; attempt++ {
		resp, err := s.attempt(ctx, creq)
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return resp, fmt.Errorf("%s request: %w", req.purpose, context.Cause(ctx))
		}
		retry, status := classify(err)
		if errors.Is(err, ErrQuota) {
			s.opts.Observe("quota")
			return resp, fmt.Errorf("%s request: %w", req.purpose, err)
		}
		if !retry {
			s.opts.Observe("error")
			return resp, fmt.Errorf("%s request: %w", req.purpose, err)
		}
		if attempt >= s.opts.MaxRetries {
			s.opts.Observe("error")
			return resp, fmt.Errorf("%s request: %w after %d attempts: %w", req.purpose, ErrUnavailable, attempt+1, err)
		}
		s.opts.Observe("retry")
		wait, fromHeader := s.retryAfter(resp.Header())
		if !fromHeader {
			wait = backoff(attempt)
		}
		wait = min(wait, s.opts.MaxRetryWait)
		s.log.Warn("llm request failed, retrying",
			"purpose", req.purpose, "attempt", attempt+1, "status", status, "wait", wait, "err", err)
		if err := s.opts.Sleep(ctx, wait); err != nil {
			return resp, fmt.Errorf("%s request: waiting to retry: %w", req.purpose, err)
		}
	}
}

// chatRequest converts req to go-openai's type. Reasoning models (o1, o3,
// gpt-5…) reject max_tokens, so they get max_completion_tokens; other
// servers (Ollama, llama.cpp, older vLLM) may only know max_tokens.
func (s *Summarizer) chatRequest(req request) openai.ChatCompletionRequest {
	msgs := make([]openai.ChatCompletionMessage, len(req.messages))
	for i, m := range req.messages {
		msgs[i] = openai.ChatCompletionMessage{Role: m.Role, Content: m.Content}
	}
	limit := s.opts.MaxOutputTokens
	if req.maxTokens > 0 {
		limit = min(limit, req.maxTokens)
	}
	c := openai.ChatCompletionRequest{Model: s.opts.Model, Messages: msgs, MaxTokens: limit}
	if req.json {
		c.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
	}
	if errors.Is(openai.NewReasoningValidator().Validate(c), openai.ErrReasoningModelMaxTokensDeprecated) {
		// Their hidden reasoning counts against the cap: a lowered one could
		// leave no visible reply, so they keep the full one.
		c.MaxTokens, c.MaxCompletionTokens = 0, s.opts.MaxOutputTokens
	}
	return c
}

// attempt makes one call under the concurrency limit and the per-call
// timeout, renewing first the claim of the summary it is for (if any).
// The response carries the HTTP headers even on error (go-openai sets
// them before checking the status), which is where Retry-After is.
func (s *Summarizer) attempt(ctx context.Context, creq openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error) {
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return openai.ChatCompletionResponse{}, ctx.Err()
	}
	defer func() { <-s.sem }()
	// Renewed after the wait for a slot, which can be long in a busy digest.
	s.renewClaim(ctx)
	cctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	resp, err := s.client.CreateChatCompletion(cctx, creq)
	if err != nil && ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded) {
		return resp, &SlowError{Timeout: s.opts.Timeout, Err: err}
	}
	if err != nil {
		return resp, quotaError(err)
	}
	return resp, nil
}

// quotaError turns an insufficient_quota error into one wrapping ErrQuota.
func quotaError(err error) error {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) && (apiErr.Type == "insufficient_quota" || apiErr.Code == "insufficient_quota") {
		return fmt.Errorf("%w: %w", ErrQuota, err)
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) && strings.Contains(string(reqErr.Body), "insufficient_quota") {
		return fmt.Errorf("%w: %w", ErrQuota, err)
	}
	return err
}

// classify reports whether err is worth retrying, and its HTTP status when
// the server answered.
func classify(err error) (retry bool, status int) {
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		status = apiErr.HTTPStatusCode
	case errors.As(err, &reqErr):
		status = reqErr.HTTPStatusCode
	}
	if status != 0 {
		return status == http.StatusTooManyRequests || status == http.StatusRequestTimeout ||
			status == http.StatusConflict || status >= 500, status
	}
	var urlErr *url.Error
	var syntaxErr *json.SyntaxError
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &urlErr) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &syntaxErr), 0
}

// retryAfter reads OpenAI's retry-after-ms or the standard Retry-After
// (seconds or an HTTP date).
func (s *Summarizer) retryAfter(h http.Header) (time.Duration, bool) {
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(s.opts.Now()), 0), true
	}
	return 0, false
}

// backoff is the wait before retry attempt+1: retryBase·2^attempt, with
// the upper half jittered so clients that failed together spread out.
func backoff(attempt int) time.Duration {
	d := retryBase << min(attempt, 10)
	return d/2 + rand.N(d/2+1)
}
