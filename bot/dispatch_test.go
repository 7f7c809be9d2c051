package bot

import (
	"context"
	"log/slog"
	"testing"

	"github.com/secbrief/secbrief/internal/fakediscord"
)

func TestFromBot(t *testing.T) {
	cases := []struct {
		name string
		msg  string
		want bool
	}{
		{"member", `{"id":"1","content":"hi @secbrief","author":{"id":"2","username":"alice","bot":false}}`, false},
		{"member without bot field", `{"author":{"id":"2","username":"alice"},"content":"x"}`, false},
		{"bot", `{"id":"1","author":{"id":"3","username":"secbrief","bot":true},"embeds":[{"title":"} \\" {"}]}`, true},
		{"system", `{"author":{"id":"4","system":true}}`, true},
		{"nested bot field is not the author's", `{"author":{"id":"2"},"referenced_message":{"author":{"bot":true}}}`, false},
		{"no author", `{"id":"1","content":"x"}`, true},
		{"null author", `{"author":null}`, true},
		{"malformed", `{"author":{"id":"2"`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := fromBot([]byte(c.msg)); got != c.want {
				t.Errorf("fromBot(%s) = %v, want %v", c.msg, got, c.want)
			}
		})
	}
}

// TestNewTakesTheSessionsToken: a Bot built without Options.Token
// identifies with the token of the session it was given.
func TestNewTakesTheSessionsToken(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	session, err := NewSession(Options{Token: srv.Token(), APIBaseURL: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	b := New(session, &fakeHandler{}, Options{GuildID: srv.GuildID()}, discardLogger())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	waitReady(t, b)
	if ids := srv.Identifies(); len(ids) != 1 || ids[0].Token != "Bot "+srv.Token() || !ids[0].Accepted {
		t.Errorf("identifies = %+v, want one accepted with the session's token", ids)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
