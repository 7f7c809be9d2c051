package fakellm

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Message is one chat message of a recorded request. Content holds the text;
// array-of-parts content is joined from its text parts.
type Message struct {
	Role    string
	Content string
}

// Request is one recorded POST /v1/chat/completions, decoded from the
// OpenAI-style JSON body.
type Request struct {
	Model               string
	Messages            []Message
	ResponseFormat      string // response_format.type, e.g. "json_object"; empty when absent
	MaxTokens           int
	MaxCompletionTokens int
	// Header is a copy of the request's HTTP headers (Authorization included,
	// so tests can check the API key is sent).
	Header http.Header
	// Body is the raw request body.
	Body []byte
}

// Text joins the content of every message, one per line.
func (r Request) Text() string {
	var b strings.Builder
	for _, m := range r.Messages {
		b.WriteString(m.Content)
		b.WriteByte('\n')
	}
	return b.String()
}

// Contains reports whether any message's content contains s.
func (r Request) Contains(s string) bool {
	for _, m := range r.Messages {
		if strings.Contains(m.Content, s) {
			return true
		}
	}
	return false
}

// System returns the content of the first system message, or "".
func (r Request) System() string {
	for _, m := range r.Messages {
		if m.Role == "system" {
			return m.Content
		}
	}
	return ""
}

// LastUser returns the content of the last user message, or "".
func (r Request) LastUser() string {
	for i := len(r.Messages) - 1; i >= 0; i-- {
		if r.Messages[i].Role == "user" {
			return r.Messages[i].Content
		}
	}
	return ""
}

// wireRequest is the subset of the chat completion body the server reads.
type wireRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	ResponseFormat *struct {
		Type string `json:"type"`
	} `json:"response_format"`
	MaxTokens           int  `json:"max_tokens"`
	MaxCompletionTokens int  `json:"max_completion_tokens"`
	Stream              bool `json:"stream"`
}

// decodeRequest parses a chat completion body.
func decodeRequest(body []byte, h http.Header) (Request, error) {
	var w wireRequest
	if err := json.Unmarshal(body, &w); err != nil {
		return Request{}, fmt.Errorf("decode request body: %w", err)
	}
	if w.Model == "" {
		return Request{}, fmt.Errorf("request has no model")
	}
	if len(w.Messages) == 0 {
		return Request{}, fmt.Errorf("request has no messages")
	}
	r := Request{
		Model:               w.Model,
		MaxTokens:           w.MaxTokens,
		MaxCompletionTokens: w.MaxCompletionTokens,
		Header:              h.Clone(),
		Body:                body,
	}
	if w.ResponseFormat != nil {
		r.ResponseFormat = w.ResponseFormat.Type
	}
	for i, m := range w.Messages {
		content, err := decodeContent(m.Content)
		if err != nil {
			return Request{}, fmt.Errorf("message %d: %w", i, err)
		}
		r.Messages = append(r.Messages, Message{Role: m.Role, Content: content})
	}
	return r, nil
}

// decodeContent accepts a string, null, or an array of {type, text} parts.
func decodeContent(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", fmt.Errorf("content is neither a string nor an array of parts: %w", err)
	}
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String(), nil
}
