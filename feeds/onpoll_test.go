package feeds

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/secbrief/secbrief/news"
)

// polls records what Options.OnPoll is told.
type polls struct {
	mu  sync.Mutex
	got []string
}

func (p *polls) observe(outcome string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, outcome)
}

// take returns and forgets what was told so far.
func (p *polls) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	got := p.got
	p.got = nil
	return got
}

func TestOnPollTellsEachOutcome(t *testing.T) {
	body := readCorpus(t, "bleepingcomputer-2025-07-24.xml")
	mux := http.NewServeMux()
	mux.HandleFunc("/good.xml", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Write(body)
	})
	mux.HandleFunc("/broken.xml", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	mux.HandleFunc("/garbage.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("this is not a feed"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	good, broken, garbage := srv.URL+"/good.xml", srv.URL+"/broken.xml", srv.URL+"/garbage.xml"
	ctx := context.Background()
	clock := &fakeClock{t: pollT0}
	store := newMemStore(good, broken, garbage)
	var told polls
	p, _ := testPoller(t, store, clock, Options{OnPoll: told.observe})

	steps := []struct {
		name string
		poll func() (news.PollResult, error)
		want []string
	}{
		{"first round: fetched, failed, unparsable", func() (news.PollResult, error) { return p.PollDue(ctx) },
			[]string{"error", "error", "ok"}},
		{"a digest right after: the healthy feed is fresh, the others back off",
			func() (news.PollResult, error) { return p.PollFeeds(ctx, []string{good, broken, garbage}) },
			[]string{"skipped", "skipped", "skipped"}},
		{"next round: 304", func() (news.PollResult, error) {
			clock.Set(store.state(good).NextPollAt)
			return p.PollFeeds(ctx, []string{good})
		}, []string{"not_modified"}},
	}
	for _, s := range steps {
		if _, err := s.poll(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got := told.take()
		slices.Sort(got) // workers finish in any order
		want := slices.Sorted(slices.Values(s.want))
		if !slices.Equal(got, want) {
			t.Errorf("%s: told %q, want %q", s.name, got, want)
		}
	}
}

// TestOnPollQuietAtShutdown: a poll cut short by shutdown is nobody's
// outcome.
func TestOnPollQuietAtShutdown(t *testing.T) {
	entered := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-r.Context().Done()
	}))
	defer srv.Close()
	var told polls
	p, _ := testPoller(t, newMemStore(srv.URL), &fakeClock{t: pollT0}, Options{FeedTimeout: guard, OnPoll: told.observe})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-entered; cancel() }()
	if _, err := p.PollDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got := told.take(); len(got) != 0 {
		t.Errorf("told %q for a poll cut short, want nothing", got)
	}
}
