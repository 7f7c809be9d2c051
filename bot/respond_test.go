package bot

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/internal/fakediscord"
	"github.com/secbrief/secbrief/render"
)

// errRefused is a refusal for tableHandler.
var errRefused = errors.New("refused")

// tableHandler serves cmds; messages are answered by message.
type tableHandler struct {
	cmds    []Command
	message func(ctx context.Context, m *discordgo.Message) (Response, error)
}

func (h *tableHandler) Commands() []Command { return h.cmds }
func (h *tableHandler) HandleMessage(ctx context.Context, m *discordgo.Message) (Response, error) {
	if h.message == nil {
		return Response{}, nil
	}
	return h.message(ctx, m)
}
func (h *tableHandler) UserMessage(err error) string { return "shown: " + err.Error() }
func (h *tableHandler) Refused(err error) bool       { return errors.Is(err, errRefused) }
func (h *tableHandler) SetSelf(string)               {}

// answered runs cmd (named "cmd") on a bot against a fake Discord, sends
// spec, and returns the interaction once the bot is done with it.
func answered(t *testing.T, cmd Command, spec fakediscord.InteractionSpec) (fakediscord.Interaction, *fakediscord.Server) {
	t.Helper()
	srv := fakediscord.New(t, fakediscord.Options{})
	if cmd.Definition == nil {
		cmd.Definition = &discordgo.ApplicationCommand{Name: "cmd", Description: "a command"}
	}
	rec := &recorder{changed: make(chan struct{}, 1)}
	_, ctx := serving(t, srv, &tableHandler{cmds: []Command{cmd}}, Options{Observer: rec})
	d, err := srv.DispatchInteraction(spec)
	if err != nil {
		t.Fatal(err)
	}
	rec.waitFor(ctx, t, "interaction handled", func(h, _ []string) bool { return len(h) >= 1 })
	st, _ := srv.Interaction(d.ID)
	return st, srv
}

// later wraps a Response as work for later.
func later(r Response, err error) func(context.Context) (Response, error) {
	return func(context.Context) (Response, error) { return r, err }
}

// TestResponseLifecycle: each way a command answers, as Discord sees it.
func TestResponseLifecycle(t *testing.T) {
	long := strings.Repeat("A paragraph of the answer.\n\n", 150) // over 2000 characters
	privately := func(Request) bool { return true }
	form := &Modal{CustomID: "form", Title: "Form", Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.TextInput{CustomID: "text", Label: "Text", Style: discordgo.TextInputParagraph},
	}}}}
	tests := []struct {
		name      string
		cmd       Command
		ack       int    // the first callback's type
		ephemeral bool   // the final message is ephemeral
		original  string // the original's final content ("" when deleted or none)
		followups []string
		deleted   bool
	}{
		{name: "at once", cmd: Command{Handle: func(context.Context, Request) (Response, error) { return Response{Content: "pong"}, nil }},
			ack: 4, original: "pong"},
		{name: "at once, privately", cmd: Command{Handle: func(context.Context, Request) (Response, error) { return Response{Content: "pong", Private: true}, nil }},
			ack: 4, original: "pong", ephemeral: true},
		{name: "later, after a deferral", cmd: Command{MayDefer: true, Handle: func(context.Context, Request) (Response, error) {
			return Response{Later: later(Response{Content: "done"}, nil)}, nil
		}}, ack: 5, original: "done"},
		{name: "later, after a private deferral", cmd: Command{MayDefer: true, Private: privately, Handle: func(context.Context, Request) (Response, error) {
			return Response{Later: later(Response{Content: "done", Private: true}, nil)}, nil
		}}, ack: 5, original: "done", ephemeral: true},
		{name: "a long answer continues in follow-ups", cmd: Command{Handle: func(context.Context, Request) (Response, error) { return Response{Content: long}, nil }},
			ack: 4, original: "A paragraph", followups: []string{"A paragraph", "A paragraph"}},
		{name: "an empty answer", cmd: Command{Handle: func(context.Context, Request) (Response, error) { return Response{}, nil }},
			ack: 4, original: "(nothing)"},
		{name: "an error before any response", cmd: Command{Handle: func(context.Context, Request) (Response, error) { return Response{}, errRefused }},
			ack: 4, original: "shown: refused", ephemeral: true},
		{name: "an error after a public deferral", cmd: Command{MayDefer: true, Handle: func(context.Context, Request) (Response, error) {
			return Response{Later: later(Response{}, errors.New("LLM down"))}, nil
		}}, ack: 5, deleted: true, followups: []string{"shown: LLM down"}},
		{name: "an error after a private deferral", cmd: Command{MayDefer: true, Private: privately, Handle: func(context.Context, Request) (Response, error) {
			return Response{Later: later(Response{}, errors.New("LLM down"))}, nil
		}}, ack: 5, original: "shown: LLM down", ephemeral: true},
		{name: "work for later from a command that may not defer", cmd: Command{Handle: func(context.Context, Request) (Response, error) {
			return Response{Later: later(Response{Content: "done"}, nil)}, nil
		}}, ack: 4, original: "shown: command cmd returned work for later but does not declare MayDefer", ephemeral: true},
		{name: "a modal", cmd: Command{Handle: func(context.Context, Request) (Response, error) {
			return Response{Modal: form}, nil
		}}, ack: 9},
		{name: "a modal after a deferral", cmd: Command{MayDefer: true, Handle: func(context.Context, Request) (Response, error) {
			return Response{Later: later(Response{Modal: form}, nil)}, nil
		}}, ack: 5, deleted: true, followups: []string{"shown: " + errModalTooLate.Error()}},
		{name: "slow: the timer defers", cmd: Command{MayDefer: true, Handle: func(ctx context.Context, _ Request) (Response, error) {
			time.Sleep(deferAfter + 200*time.Millisecond)
			return Response{Content: "slow"}, nil
		}}, ack: 5, original: "slow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st, srv := answered(t, tt.cmd, fakediscord.SlashCommand("cmd"))
			ack, ok := st.FirstAck()
			if !ok || ack.Type != tt.ack {
				t.Fatalf("first callback %+v, want type %d", ack, tt.ack)
			}
			switch {
			case tt.deleted:
				if st.Original != nil && !st.Original.Deleted {
					t.Errorf("placeholder left: %+v", st.Original)
				}
			case tt.original != "":
				if st.Original == nil || !strings.HasPrefix(st.Original.Content, tt.original) || st.Original.Ephemeral() != tt.ephemeral {
					t.Errorf("original %+v, want %q (ephemeral %v)", st.Original, tt.original, tt.ephemeral)
				}
			}
			if len(st.Followups) != len(tt.followups) {
				t.Fatalf("follow-ups %+v, want %q", st.Followups, tt.followups)
			}
			for k, f := range st.Followups {
				if !strings.HasPrefix(f.Content, tt.followups[k]) {
					t.Errorf("follow-up %d %q, want %q", k, f.Content, tt.followups[k])
				}
			}
			for _, r := range srv.Requests() {
				if fakediscord.LiveMentions(r) {
					t.Errorf("%s %s can ping", r.Method, r.Route)
				}
			}
		})
	}
}

// TestThreadOnAnswer: a public answer's thread is opened on its message
// and reported opened; a thread no longer wanted is not opened.
func TestThreadOnAnswer(t *testing.T) {
	for _, wanted := range []bool{true, false} {
		var mu sync.Mutex
		opened := ""
		cmd := Command{Handle: func(context.Context, Request) (Response, error) {
			return Response{Content: "summary", Thread: &Thread{
				Name:   "Acme flaw",
				Wanted: func(context.Context) bool { return wanted },
				Opened: func(_ context.Context, id string) { mu.Lock(); opened = id; mu.Unlock() },
			}}, nil
		}}
		st, srv := answered(t, cmd, fakediscord.SlashCommand("cmd"))
		mu.Lock()
		got := opened
		mu.Unlock()
		th, ok := srv.Channel(st.Original.ID)
		if wanted && (!ok || !th.IsThread() || got != st.Original.ID) {
			t.Errorf("thread %+v (%v), reported %q; want one on %s", th, ok, got, st.Original.ID)
		}
		if !wanted && (ok || got != "") {
			t.Errorf("an unwanted thread was opened: %+v, reported %q", th, got)
		}
	}
}

// TestDeliveredReportsTheAnswer: a public answer in a server is reported
// with its message's id, whether sent at once or after a deferral; a
// private answer is not reported.
func TestDeliveredReportsTheAnswer(t *testing.T) {
	for _, tc := range []struct {
		name    string
		later   bool
		private bool
	}{
		{name: "at once"},
		{name: "after a deferral", later: true},
		{name: "private", private: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var got []string
			resp := Response{Content: "summary", Private: tc.private, Delivered: func(_ context.Context, id string) {
				mu.Lock()
				got = append(got, id)
				mu.Unlock()
			}}
			cmd := Command{MayDefer: true, Handle: func(context.Context, Request) (Response, error) {
				if tc.later {
					return Response{Later: later(resp, nil)}, nil
				}
				return resp, nil
			}}
			st, _ := answered(t, cmd, fakediscord.SlashCommand("cmd"))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case st.Original == nil:
				t.Fatal("no answer")
			case tc.private && len(got) != 0:
				t.Errorf("a private answer was reported: %v", got)
			case !tc.private && (len(got) != 1 || got[0] != st.Original.ID):
				t.Errorf("reported %v, want [%s]", got, st.Original.ID)
			}
		})
	}
}

// TestUnknownCommand: an interaction no command takes (a modal of an
// older version of the bot) is told so.
func TestUnknownCommand(t *testing.T) {
	st, _ := answered(t, Command{Handle: func(context.Context, Request) (Response, error) { return Response{}, nil }}, fakediscord.ModalSubmit("gone"))
	if st.Original == nil || st.Original.Content != msgUnknownCommand || !st.Original.Ephemeral() {
		t.Errorf("original %+v, want %q privately", st.Original, msgUnknownCommand)
	}
}

// TestAutocompleteAndModalRouting: the focused option reaches
// Autocomplete and its choices are sent; a modal's submission reaches the
// command that opened it, with its fields.
func TestAutocompleteAndModalRouting(t *testing.T) {
	got := make(chan Request, 2)
	cmd := Command{
		Definition: &discordgo.ApplicationCommand{Name: "cmd", Description: "a command", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionString, Name: "zone", Description: "a zone", Autocomplete: true},
		}},
		ModalID: "form",
		Handle: func(_ context.Context, req Request) (Response, error) {
			got <- req
			return Response{Content: "thanks"}, nil
		},
		Autocomplete: func(_ context.Context, req Request) ([]*discordgo.ApplicationCommandOptionChoice, error) {
			got <- req
			return []*discordgo.ApplicationCommandOptionChoice{{Name: "Berlin", Value: "Europe/Berlin"}}, nil
		},
	}
	st, _ := answered(t, cmd, fakediscord.Autocomplete("cmd", fakediscord.FocusedOption("zone", "berl")))
	if ack, _ := st.FirstAck(); ack.Type != 8 || !strings.Contains(string(ack.Data), "Europe/Berlin") {
		t.Errorf("autocomplete callback %d %s", ack.Type, ack.Data)
	}
	if req := <-got; req.Focused != "zone" || req.String("zone") != "berl" {
		t.Errorf("autocomplete request %+v", req)
	}
	st, _ = answered(t, cmd, fakediscord.ModalSubmit("form:private", fakediscord.TextInput{CustomID: "text", Value: "pasted"}))
	if st.Original == nil || st.Original.Content != "thanks" {
		t.Errorf("modal answer %+v", st.Original)
	}
	if req := <-got; req.CustomID != "form:private" || req.Fields["text"] != "pasted" {
		t.Errorf("modal request %+v", req)
	}
}

// TestMessageReplies: a message is answered in replies, after typing
// while the work runs; an error is answered with its user message.
func TestMessageReplies(t *testing.T) {
	tests := []struct {
		name  string
		resp  Response
		err   error
		wants []string
	}{
		{"an answer later", Response{Later: later(Response{Content: "an answer"}, nil)}, nil, []string{"an answer"}},
		{"a long answer", Response{Content: strings.Repeat("A paragraph of the answer.\n\n", 150)}, nil, []string{"A paragraph", "A paragraph", "A paragraph"}},
		{"no answer", Response{}, nil, nil},
		{"a refusal", Response{}, errRefused, []string{"shown: refused"}},
		{"a failure later", Response{Later: later(Response{}, errors.New("LLM down"))}, nil, []string{"shown: LLM down"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := fakediscord.New(t, fakediscord.Options{})
			rec := &recorder{changed: make(chan struct{}, 1)}
			h := &tableHandler{
				cmds:    []Command{{Definition: &discordgo.ApplicationCommand{Name: "cmd", Description: "a command"}}},
				message: func(context.Context, *discordgo.Message) (Response, error) { return tt.resp, tt.err },
			}
			_, ctx := serving(t, srv, h, Options{Observer: rec})
			m, err := srv.DispatchMessage(fakediscord.MessageSpec{Content: "<@" + srv.Bot().ID + "> which versions?"})
			if err != nil {
				t.Fatal(err)
			}
			rec.waitFor(ctx, t, "message handled", func(h, _ []string) bool { return len(h) >= 1 })
			var replies []string
			for _, r := range srv.Messages(m.ChannelID) {
				if r.ReferenceID == m.ID {
					replies = append(replies, r.Content)
				}
			}
			if len(replies) != len(tt.wants) {
				t.Fatalf("replies %q, want %q", replies, tt.wants)
			}
			for k, w := range tt.wants {
				if !strings.HasPrefix(replies[k], w) || len([]rune(replies[k])) > render.MaxContent {
					t.Errorf("reply %d %q, want %q", k, replies[k], w)
				}
			}
		})
	}
}
