package bot

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/internal/fakediscord"
)

// withoutResponse drops ?with_response=true from interaction callbacks,
// as if Discord had not named the message the answer created.
type withoutResponse struct{ next http.RoundTripper }

func (w withoutResponse) RoundTrip(r *http.Request) (*http.Response, error) {
	q := r.URL.Query()
	if !q.Has("with_response") {
		return w.next.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	q.Del("with_response")
	r.URL.RawQuery = q.Encode()
	return w.next.RoundTrip(r)
}

// TestUnnamedAnswerFetchedOnce: when Discord does not name the answer's
// message, it is fetched once for both Delivered and the thread; when that
// fetch fails, both are skipped with one warning.
func TestUnnamedAnswerFetchedOnce(t *testing.T) {
	for _, tc := range []struct {
		name      string
		delivered bool
		thread    bool
		fail      bool
	}{
		{name: "delivered and thread", delivered: true, thread: true},
		{name: "delivered only", delivered: true},
		{name: "thread only", thread: true},
		{name: "delivered and thread, the fetch fails", delivered: true, thread: true, fail: true},
		{name: "thread only, the fetch fails", thread: true, fail: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fakediscord.New(t, fakediscord.Options{})
			var mu sync.Mutex
			var reported, opened []string
			resp := Response{Content: "summary"}
			if tc.delivered {
				resp.Delivered = func(_ context.Context, id string) { mu.Lock(); reported = append(reported, id); mu.Unlock() }
			}
			if tc.thread {
				resp.Thread = &Thread{Name: "Acme flaw", Opened: func(_ context.Context, id string) { mu.Lock(); opened = append(opened, id); mu.Unlock() }}
			}
			cmd := Command{
				Definition: &discordgo.ApplicationCommand{Name: "cmd", Description: "a command"},
				Handle:     func(context.Context, Request) (Response, error) { return resp, nil },
			}
			opts := Options{Token: srv.Token(), APIBaseURL: srv.URL(), GuildID: srv.GuildID()}
			rec := &recorder{changed: make(chan struct{}, 1)}
			opts.Observer = rec
			session, err := NewSession(opts)
			if err != nil {
				t.Fatal(err)
			}
			session.Client.Transport = withoutResponse{next: session.Client.Transport}
			logs := &syncBuffer{}
			b := New(session, &tableHandler{cmds: []Command{cmd}}, opts, slog.New(slog.NewTextHandler(logs, nil)))
			runCtx, stop := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- b.Run(runCtx) }()
			t.Cleanup(func() {
				stop()
				select {
				case <-done:
				case <-time.After(15 * time.Second):
					t.Error("Run did not return")
				}
			})
			waitReady(t, b)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := srv.Wait(ctx, func() bool { return len(srv.Commands(srv.GuildID())) == 1 }); err != nil {
				t.Fatal("commands not registered on the guild")
			}
			attempts := 1 // GET requests one fetch sends
			if tc.fail {
				srv.InjectBadGateway("GET", "/webhooks/", 100)
				attempts += session.MaxRestRetries
			}

			d, err := srv.DispatchInteraction(fakediscord.SlashCommand("cmd"))
			if err != nil {
				t.Fatal(err)
			}
			rec.waitFor(ctx, t, "interaction handled", func(h, _ []string) bool { return len(h) >= 1 })
			st, _ := srv.Interaction(d.ID)
			if st.Original == nil {
				t.Fatal("no answer")
			}

			gets := 0
			for _, r := range srv.Requests() {
				if r.Method == "GET" && strings.HasSuffix(r.Path, "/messages/@original") {
					gets++
				}
			}
			if gets != attempts {
				t.Errorf("%d GETs of the original response, want %d (one fetch)", gets, attempts)
			}
			if n := strings.Count(logs.String(), "fetch answer message"); tc.fail != (n == 1) || n > 1 {
				t.Errorf("%d fetch warnings, want %d:\n%s", n, map[bool]int{true: 1}[tc.fail], logs)
			}
			mu.Lock()
			defer mu.Unlock()
			want := []string{st.Original.ID}
			if tc.fail {
				want = nil
			}
			if tc.delivered && strings.Join(reported, ",") != strings.Join(want, ",") {
				t.Errorf("reported %v, want %v", reported, want)
			}
			if tc.thread && strings.Join(opened, ",") != strings.Join(want, ",") {
				t.Errorf("thread opened %v, want %v", opened, want)
			}
			if th, ok := srv.Channel(st.Original.ID); ok != (tc.thread && !tc.fail) || ok && !th.IsThread() {
				t.Errorf("thread on the answer: %+v (%v)", th, ok)
			}
		})
	}
}
