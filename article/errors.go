package article

import (
	"context"
	"errors"
	"fmt"
)

// Sentinel errors callers branch on (the bot turns them into short user
// messages). They are wrapped with context, so test them with errors.Is.
var (
	// ErrNoArticle means the page has too little readable text to be an
	// article (a cookie wall, a login form, an empty shell).
	ErrNoArticle = errors.New("no readable article text")
	// ErrUnsupportedType means the response's content type is not HTML,
	// XHTML or plain text; the body was not read.
	ErrUnsupportedType = errors.New("content type is not supported")
	// ErrTooLarge means the body exceeded Policy.MaxBytes after
	// decompression.
	ErrTooLarge = errors.New("page is too large")
	// ErrTimeout means the fetch took longer than Policy.Timeout, or no
	// bytes arrived for Policy.IdleTimeout. Timeout errors also match
	// context.DeadlineExceeded.
	ErrTimeout = errors.New("page took too long to load")
)

// RefusedError reports a URL or network address that the fetch policy
// refuses, and why.
type RefusedError struct {
	// Subject names what was refused: "address 10.0.0.1", "scheme file",
	// "port 8080", "host localhost", "URL with credentials".
	Subject string
	// Reason says why, e.g. "link-local" or "private".
	Reason string
}

// Error reads like "address 169.254.169.254 is link-local and not allowed".
func (e *RefusedError) Error() string {
	return fmt.Sprintf("%s is %s and not allowed", e.Subject, e.Reason)
}

// StatusError reports a response whose HTTP status is not 2xx.
type StatusError struct {
	// Code is the HTTP status code, e.g. 404.
	Code int
	// Status is the status line's text, e.g. "404 Not Found".
	Status string
}

// Error reads like "the server answered 404 Not Found".
func (e *StatusError) Error() string {
	return "the server answered " + e.Status
}

// timeoutError is a timeout that matches both ErrTimeout and
// context.DeadlineExceeded, with a one-line message.
type timeoutError struct {
	what  string // "over 20s", "no data for 10s"
	cause error
}

func (e *timeoutError) Error() string { return fmt.Sprintf("%v (%s)", ErrTimeout, e.what) }

func (e *timeoutError) Unwrap() error { return e.cause }

func (e *timeoutError) Is(target error) bool {
	return target == ErrTimeout || target == context.DeadlineExceeded
}

// unsupportedType wraps ErrUnsupportedType with the offending type.
func unsupportedType(mediaType string) error {
	if mediaType == "" {
		mediaType = "(none)"
	}
	return fmt.Errorf("content type %s is not supported: %w", mediaType, ErrUnsupportedType)
}
