// Package redact keeps secrets out of logs: a slog.Handler that masks the
// Discord token, API keys, and the interaction and webhook tokens that
// Discord puts in request URLs (which net/http echoes in its errors).
package redact

import (
	"context"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Mask replaces every secret in logged text.
const Mask = "[REDACTED]"

// tokenPaths matches the token segment of interaction and webhook URLs:
// /interactions/{id}/{token}/… and /webhooks/{app}/{token}.
var tokenPaths = regexp.MustCompile(`(/(?:interactions|webhooks)/\d+/)([A-Za-z0-9_\-.]{8,})`)

// bearer matches Authorization header values that might be logged.
var bearer = regexp.MustCompile(`(?i)\b(Bot|Bearer)\s+[A-Za-z0-9_\-.]{16,}`)

// Redactor masks a set of secrets and every token-shaped URL segment.
// It is safe for concurrent use.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string
}

// New returns a Redactor for the given secrets (see Add).
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add adds secrets to mask, such as those of a configuration loaded after
// the Redactor was made; empty strings and very short values (which would
// mask innocent text) are ignored.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if len(s) >= minSecret && !slices.Contains(r.secrets, s) {
			r.secrets = append(r.secrets, s)
		}
	}
	// Longest first, so a secret that contains another is masked whole.
	slices.SortFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
}

// minSecret is the length below which a value is not masked.
const minSecret = 6

// String returns s with every secret masked: the configured ones and
// anything shaped like a token in a URL or an Authorization header. For
// errors and logs.
func (r *Redactor) String(s string) string {
	s = r.Exact(s)
	s = tokenPaths.ReplaceAllString(s, "${1}"+Mask)
	return bearer.ReplaceAllString(s, "${1} "+Mask)
}

// Exact returns s with exactly the configured secrets masked, and nothing
// else: for output such as a summary, whose prose the token patterns of
// String would mangle.
func (r *Redactor) Exact(s string) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, Mask)
	}
	return s
}

// pending returns the length of the longest tail of s that begins one of
// the secrets (and so might be completed by the next write).
func (r *Redactor) pending(s string) int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	longest := 0
	for _, secret := range r.secrets {
		for n := min(len(secret)-1, len(s)); n > longest; n-- {
			if strings.HasSuffix(s, secret[:n]) {
				longest = n
				break
			}
		}
	}
	return longest
}

// Handler wraps next so that the message and every string, error and
// stringer attribute are redacted before they are written.
func (r *Redactor) Handler(next slog.Handler) slog.Handler {
	return &handler{next: next, r: r}
}

type handler struct {
	next slog.Handler
	r    *Redactor
}

// Enabled defers to the wrapped handler.
func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle redacts the record and passes it on.
func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.String(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

// WithAttrs redacts attrs before the wrapped handler keeps them.
func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = h.attr(a)
	}
	return &handler{next: h.next.WithAttrs(clean), r: h.r}
}

// WithGroup keeps redacting inside the group.
func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{next: h.next.WithGroup(name), r: h.r}
}

func (h *handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.String(v.String()))
	case slog.KindGroup:
		group := v.Group()
		clean := make([]any, len(group))
		for i, g := range group {
			clean[i] = h.attr(g)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, h.r.String(x.Error()))
		case interface{ String() string }:
			return slog.String(a.Key, h.r.String(x.String()))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
