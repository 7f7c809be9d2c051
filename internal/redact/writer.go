package redact

import (
	"io"
	"sync"
)

// Writer masks exactly the Redactor's secrets (Exact) in what is written
// through it. A secret may arrive split across writes, so the tail of a
// write that begins a secret is held back until the next write or Flush.
type Writer struct {
	r *Redactor
	w io.Writer

	mu   sync.Mutex
	held string
}

// Writer returns a Writer that masks r's secrets on their way to w; Flush
// it when done.
func (r *Redactor) Writer(w io.Writer) *Writer { return &Writer{r: r, w: w} }

// Write masks p, with what was held back, and writes all of it except a
// tail that may be the start of a secret. It reports len(p) on success.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.r.Exact(w.held + string(p))
	keep := w.r.pending(s)
	w.held = s[len(s)-keep:]
	if _, err := io.WriteString(w.w, s[:len(s)-keep]); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes what was held back.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.held
	w.held = ""
	_, err := io.WriteString(w.w, s)
	return err
}
