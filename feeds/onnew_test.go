package feeds

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/secbrief/secbrief/news"
)

// newItems records what Options.OnNewItems is given.
type newItems struct {
	mu  sync.Mutex
	got map[string][]news.Item
}

func (n *newItems) observe(_ context.Context, feedURL string, items []news.Item) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.got == nil {
		n.got = map[string][]news.Item{}
	}
	n.got[feedURL] = append(n.got[feedURL], items...)
}

// take returns and forgets the ids given so far for feedURL.
func (n *newItems) take(feedURL string) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var ids []string
	for _, it := range n.got[feedURL] {
		ids = append(ids, it.ID)
	}
	delete(n.got, feedURL)
	return ids
}

func TestOnNewItemsGetsOnlyNewItemsAfterTheFirstPoll(t *testing.T) {
	var mu sync.Mutex
	items := []string{"one", "two"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Outlet</title>`)
		for _, id := range items {
			fmt.Fprintf(w, `<item><title>Story %s</title><link>https://news.example/%s</link><guid>%s</guid><description>text</description></item>`, id, id, id)
		}
		fmt.Fprint(w, `</channel></rss>`)
	}))
	defer srv.Close()
	feed := srv.URL + "/feed.xml"
	ctx := context.Background()
	clock := &fakeClock{t: pollT0}
	store := newMemStore(feed)
	var told newItems
	p, _ := testPoller(t, store, clock, Options{OnNewItems: told.observe})

	if _, err := p.PollFeeds(ctx, []string{feed}); err != nil {
		t.Fatal(err)
	}
	if got := told.take(feed); len(got) != 0 {
		t.Fatalf("first poll told %v: a feed's first items are its past, not news", got)
	}

	mu.Lock()
	items = []string{"three", "one", "two"}
	mu.Unlock()
	clock.Set(store.state(feed).NextPollAt)
	if _, err := p.PollDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got := told.take(feed); !slices.Equal(got, []string{"three"}) {
		t.Fatalf("second poll told %v, want only the new item three", got)
	}

	// An unchanged feed tells nothing.
	clock.Set(store.state(feed).NextPollAt)
	if _, err := p.PollDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got := told.take(feed); len(got) != 0 {
		t.Fatalf("unchanged feed told %v", got)
	}
}

func TestOnNewItemsItemsCarryTheirFeed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(tinyFeed(r.URL.Path))
	}))
	defer srv.Close()
	feed := srv.URL + "/a"
	ctx := context.Background()
	clock := &fakeClock{t: pollT0}
	store := newMemStore(feed)
	st := store.state(feed)
	st.LastPolledAt = pollT0.Add(-DefaultPollInterval) // polled before: its new items are news
	store.states[feed] = st
	var got []news.Item
	p, _ := testPoller(t, store, clock, Options{OnNewItems: func(_ context.Context, u string, items []news.Item) {
		if u != feed {
			t.Errorf("told feed %q, want %q", u, feed)
		}
		got = append(got, items...)
	}})
	if _, err := p.PollFeeds(ctx, []string{feed}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].FeedURL != feed || got[0].FeedTitle != "Feed /a" || got[0].Title != "Story of /a" {
		t.Fatalf("told %+v, want the one item with its feed URL and title", got)
	}
}

func TestOnNewItemsNotToldWhenStoringFails(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(tinyFeed(r.URL.Path))
	}))
	defer srv.Close()
	feed := srv.URL + "/a"
	clock := &fakeClock{t: pollT0}
	store := newMemStore(feed)
	st := store.state(feed)
	st.LastPolledAt = pollT0.Add(-DefaultPollInterval)
	store.states[feed] = st
	store.addErr = fmt.Errorf("disk full")
	var told newItems
	p, _ := testPoller(t, store, clock, Options{OnNewItems: told.observe})
	if _, err := p.PollFeeds(context.Background(), []string{feed}); err != nil {
		t.Fatal(err)
	}
	if got := told.take(feed); len(got) != 0 {
		t.Fatalf("told %v though nothing was stored", got)
	}
}
