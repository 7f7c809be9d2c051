package fakellm

import (
	"encoding/json"
	"net/http"
	"time"
)

// Response is what the server answers to one request: a completion with
// Content, or, when Status is set, an OpenAI-style error.
type Response struct {
	// Content is the assistant message's content.
	Content string
	// FinishReason defaults to "stop".
	FinishReason string
	// PromptTokens and CompletionTokens are reported as usage; when both are
	// zero the server reports rough estimates (bytes/4) instead.
	PromptTokens     int
	CompletionTokens int

	// Status, when non-zero, makes the response an error with this HTTP
	// status and an OpenAI error body built from ErrorType, ErrorCode and
	// ErrorMessage.
	Status       int
	ErrorType    string
	ErrorCode    string
	ErrorMessage string
	// RetryAfter, when positive, sets the Retry-After header (whole seconds,
	// rounded up).
	RetryAfter time.Duration
	// RawBody, when set, is written verbatim instead of a JSON body (with
	// Status, or 200 when Status is zero): for malformed-response tests.
	RawBody string

	// Latency delays this response; zero uses the server's default latency.
	// The wait ends early when the client hangs up.
	Latency time.Duration
}

// Reply is a successful completion with the given content.
func Reply(content string) Response { return Response{Content: content} }

// RateLimited is a 429 rate-limit error with a Retry-After header.
func RateLimited(retryAfter time.Duration) Response {
	return Response{
		Status:       http.StatusTooManyRequests,
		ErrorType:    "requests",
		ErrorCode:    "rate_limit_exceeded",
		ErrorMessage: "Rate limit reached for requests",
		RetryAfter:   retryAfter,
	}
}

// QuotaExceeded is the 429 "insufficient_quota" error OpenAI sends when the
// account has no credit left; clients must not retry it.
func QuotaExceeded() Response {
	return Response{
		Status:       http.StatusTooManyRequests,
		ErrorType:    "insufficient_quota",
		ErrorCode:    "insufficient_quota",
		ErrorMessage: "You exceeded your current quota, please check your plan and billing details.",
	}
}

// ServerError is an error with the given 5xx status.
func ServerError(status int) Response {
	return Response{
		Status:       status,
		ErrorType:    "server_error",
		ErrorMessage: "The server had an error while processing your request.",
	}
}

// SummaryJSON is a valid secbrief summary object (the summarizer's schema)
// with the given title and severity, handy as a scripted reply.
func SummaryJSON(title, severity string, cves ...string) string {
	if cves == nil {
		cves = []string{}
	}
	b, err := json.Marshal(map[string]any{
		"title":      title,
		"tldr":       "A short summary of " + title + ".",
		"key_points": []string{"First key point.", "Second key point."},
		"severity":   severity,
		"cves":       cves,
		"affected":   []string{"Example Product 1.0"},
		"actions":    []string{"Update to the latest version."},
	})
	if err != nil {
		panic(err) // unreachable: only strings and string slices
	}
	return string(b)
}

// DefaultResponder answers when no response is queued and no responder is
// set: a valid summary JSON for json_object requests, else a plain-text
// answer.
func DefaultResponder(r Request) Response {
	if r.ResponseFormat == "json_object" {
		return Reply(SummaryJSON("Fake summary", "medium"))
	}
	return Reply("This is a fake answer.")
}
