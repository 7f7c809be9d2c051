package summarizer

import (
	"context"
	"fmt"
	"time"
)

// SlowError is an attempt the LLM did not answer within Options.Timeout
// (llm.timeout). It matches context.DeadlineExceeded, so it is retried
// like any timeout; its text tells the operator which key to raise.
type SlowError struct {
	// Timeout is the limit the attempt ran into.
	Timeout time.Duration
	// Err is the client's error.
	Err error
}

// Error reads like "the LLM did not answer within 1m0s (llm.timeout; raise
// it for a slow model or server): Post …: context deadline exceeded".
func (e *SlowError) Error() string {
	return fmt.Sprintf("the LLM did not answer within %s (llm.timeout; raise it for a slow model or server): %v", e.Timeout, e.Err)
}

// Unwrap returns the client's error.
func (e *SlowError) Unwrap() error { return e.Err }

// Is makes the error match context.DeadlineExceeded, whatever the client
// made of the deadline.
func (e *SlowError) Is(target error) bool { return target == context.DeadlineExceeded }
