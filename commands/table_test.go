package commands

import (
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/secbrief/secbrief/article"
)

// TestTableErrors: what the bot logs as a refusal, and what it shows.
func TestTableErrors(t *testing.T) {
	tb := New(nil, nil, nil, Options{}, slog.New(slog.DiscardHandler))
	cause := errors.New("store down")
	tests := []struct {
		name    string
		err     error
		refused bool
		shown   string
		logged  string
	}{
		{"the user's mistake", userErrorf("Your question is empty."), true, "Your question is empty.", "Your question is empty."},
		{"a user message with a cause", &UserError{Msg: "I can't post there.", Cause: cause}, false, "I can't post there.", "I can't post there.: store down"},
		{"a rate limit", fmt.Errorf("ask: %w", &RateLimitedError{Wait: 90 * time.Second}), true, "You're going a bit fast. Try again in 90 s.", "ask: rate limited: try again in 1m30s"},
		{"a failure", fmt.Errorf("load turns: %w", cause), false, msgInternal, "load turns: store down"},
		{"a fetch refusal", article.ErrInvalidURL, false, "That isn't a valid web link: give a full http:// or https:// URL.", article.ErrInvalidURL.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tb.Refused(tt.err); got != tt.refused {
				t.Errorf("Refused = %v, want %v", got, tt.refused)
			}
			if got := tb.UserMessage(tt.err); got != tt.shown {
				t.Errorf("UserMessage = %q, want %q", got, tt.shown)
			}
			if got := tt.err.Error(); got != tt.logged {
				t.Errorf("Error = %q, want %q", got, tt.logged)
			}
		})
	}
	if ue := (&UserError{Msg: "m", Cause: cause}); !errors.Is(ue, cause) {
		t.Error("a UserError does not unwrap to its cause")
	}
}

// TestTableCommands: the table has one entry per command, each with its
// definition and Handle; extra entries follow.
func TestTableCommands(t *testing.T) {
	e := newAdminEnv(t)
	tb := New(nil, nil, nil, Options{}, slog.New(slog.DiscardHandler), e.a.Commands()...)
	var names []string
	for _, c := range tb.Commands() {
		if c.Definition == nil || c.Handle == nil {
			t.Errorf("entry %+v lacks its definition or Handle", c)
			continue
		}
		names = append(names, c.Definition.Name)
	}
	want := []string{cmdSummarize, cmdSummarizeMessage, cmdAsk, cmdUsage, cmdCVE, cmdDigest, cmdFeeds}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("commands %v, want %v", names, want)
	}
}
