package feeds

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

// guard bounds waits that only a broken poller would reach.
const guard = 10 * time.Second

func TestConditionalGet(t *testing.T) {
	body := readCorpus(t, "bleepingcomputer-2025-07-24.xml")
	var hits, conditional atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("If-None-Match") == `"v1"` && r.Header.Get("If-Modified-Since") == "Thu, 24 Jul 2025 21:40:00 GMT" {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Thu, 24 Jul 2025 21:40:00 GMT")
		w.Write(body)
	}))
	defer srv.Close()
	ctx := context.Background()
	clock := &fakeClock{t: pollT0}
	store := newMemStore(srv.URL)
	p, parses := testPoller(t, store, clock, Options{})

	res, err := p.PollDue(ctx)
	if err != nil || res.Polled != 1 || res.NewItems != 12 || *parses != 1 {
		t.Fatalf("first poll = %+v, %v, %d parses; want 12 new items, 1 parse", res, err, *parses)
	}
	st := store.state(srv.URL)
	if st.ETag != `"v1"` || st.Title != "BleepingComputer" || st.Failures != 0 {
		t.Errorf("state after 200 = %+v", st)
	}

	clock.Set(pollT0.Add(15 * time.Minute))
	res, err = p.PollDue(ctx)
	if err != nil || res.Polled != 1 || res.NotModified != 1 || res.NewItems != 0 {
		t.Fatalf("second poll = %+v, %v; want one 304", res, err)
	}
	if *parses != 1 || conditional.Load() != 1 {
		t.Errorf("after 304: %d parses, %d conditional requests; want 1 and 1", *parses, conditional.Load())
	}
	if st := store.state(srv.URL); st.ETag != `"v1"` || !st.LastPolledAt.Equal(clock.Now()) {
		t.Errorf("state after 304 = %+v; want validators kept, polled now", st)
	}

	// Not due yet: no request at all.
	clock.Set(pollT0.Add(20 * time.Minute))
	if res, _ := p.PollDue(ctx); res.Polled != 0 || hits.Load() != 2 {
		t.Errorf("poll before due = %+v with %d hits; want nothing", res, hits.Load())
	}
}

func TestRetryAfter(t *testing.T) {
	cases := []struct {
		name   string
		code   int
		header string
		want   time.Duration
	}{
		{"429 seconds", http.StatusTooManyRequests, "3600", time.Hour},
		{"503 http date", http.StatusServiceUnavailable, pollT0.Add(2 * time.Hour).Format(http.TimeFormat), 2 * time.Hour},
		{"429 shorter than backoff", http.StatusTooManyRequests, "60", 30 * time.Minute},
		{"500 without header", http.StatusInternalServerError, "", 30 * time.Minute},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				if c.header != "" {
					w.Header().Set("Retry-After", c.header)
				}
				w.WriteHeader(c.code)
			}))
			defer srv.Close()
			ctx := context.Background()
			clock := &fakeClock{t: pollT0}
			store := newMemStore(srv.URL)
			p, _ := testPoller(t, store, clock, Options{})
			if res, _ := p.PollDue(ctx); res.Failed != 1 {
				t.Fatalf("poll = %+v, want one failure", res)
			}
			st := store.state(srv.URL)
			if got := st.NextPollAt.Sub(pollT0); got != c.want || st.Failures != 1 {
				t.Errorf("next poll in %v with %d failures; want %v and 1 (%s)", got, st.Failures, c.want, st.LastError)
			}
			// Neither the loop nor a pre-digest poll fetches it before then.
			clock.Set(st.NextPollAt.Add(-time.Second))
			p.PollDue(ctx)
			p.PollFeeds(ctx, []string{srv.URL})
			if hits.Load() != 1 {
				t.Errorf("%d requests before the retry time, want 1", hits.Load())
			}
			clock.Set(st.NextPollAt)
			p.PollDue(ctx)
			if hits.Load() != 2 {
				t.Errorf("%d requests at the retry time, want 2", hits.Load())
			}
		})
	}
}

func TestBackoffSchedule(t *testing.T) {
	cases := []struct {
		failures int
		want     time.Duration
	}{
		{0, 15 * time.Minute}, {1, 30 * time.Minute}, {2, time.Hour}, {3, 2 * time.Hour},
		{6, 16 * time.Hour}, {7, 24 * time.Hour}, {60, 24 * time.Hour}, {1000, 24 * time.Hour},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.failures), func(t *testing.T) {
			if got := Backoff(15*time.Minute, 24*time.Hour, c.failures); got != c.want {
				t.Errorf("Backoff(%d) = %v, want %v", c.failures, got, c.want)
			}
		})
	}
}

func TestBackoffAndDisable(t *testing.T) {
	var hits atomic.Int32
	var healthy atomic.Bool
	body := readCorpus(t, "darkreading-2026-07-03.xml")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if healthy.Load() {
			w.Write(body)
			return
		}
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer srv.Close()
	ctx := context.Background()
	clock := &fakeClock{t: pollT0}
	store := newMemStore(srv.URL)
	var disabled []string
	var mu sync.Mutex
	p, _ := testPoller(t, store, clock, Options{
		MaxFailures: 4, MaxBackoff: 2 * time.Hour,
		Jitter: func(n time.Duration) time.Duration { return n / 2 }, // half the 10% allowance
		OnDisabled: func(_ context.Context, u string, err error) {
			mu.Lock()
			defer mu.Unlock()
			disabled = append(disabled, u)
			if !strings.Contains(err.Error(), "500") {
				t.Errorf("OnDisabled error %q does not name the failure", err)
			}
		},
	})

	// Two failures, then a success resets the count.
	for range 2 {
		clock.Set(store.state(srv.URL).NextPollAt)
		p.PollDue(ctx)
	}
	healthy.Store(true)
	clock.Set(store.state(srv.URL).NextPollAt)
	if res, _ := p.PollDue(ctx); res.NewItems != 3 || store.state(srv.URL).Failures != 0 {
		t.Fatalf("recovery poll = %+v, state %+v", res, store.state(srv.URL))
	}
	healthy.Store(false)

	wantDelays := []time.Duration{31*time.Minute + 30*time.Second, 63 * time.Minute, 126 * time.Minute, 126 * time.Minute}
	for i, want := range wantDelays {
		start := store.state(srv.URL).NextPollAt
		clock.Set(start)
		res, _ := p.PollDue(ctx)
		st := store.state(srv.URL)
		if got := st.NextPollAt.Sub(start); got != want || st.Failures != i+1 {
			t.Errorf("failure %d: next poll in %v (failures %d), want %v", i+1, got, st.Failures, want)
		}
		if disabledNow := i+1 == len(wantDelays); st.Disabled() != disabledNow || (res.Disabled == 1) != disabledNow {
			t.Errorf("failure %d: disabled = %v (result %+v), want %v", i+1, st.Disabled(), res, disabledNow)
		}
	}
	// Disabled: never fetched again, by the loop or before a digest.
	before := hits.Load()
	clock.Set(pollT0.Add(30 * 24 * time.Hour))
	p.PollDue(ctx)
	p.PollFeeds(ctx, []string{srv.URL})
	if hits.Load() != before {
		t.Errorf("disabled feed fetched %d more times", hits.Load()-before)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(disabled) != 1 || disabled[0] != srv.URL {
		t.Errorf("OnDisabled calls = %v, want exactly one for %s", disabled, srv.URL)
	}
}

func TestHangingFeedDoesNotDelayOthers(t *testing.T) {
	body := readCorpus(t, "thehackernews-2026-07-05.xml")
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/ok/", func(w http.ResponseWriter, r *http.Request) { w.Write(body) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(release)

	urls := []string{srv.URL + "/hang"}
	for i := range 5 {
		urls = append(urls, fmt.Sprintf("%s/ok/%d", srv.URL, i))
	}
	store := newMemStore(urls...)
	stored := make(chan string, len(urls))
	store.onAdd = func(u string) { stored <- u }
	clock := &fakeClock{t: pollT0}
	// Two workers for six feeds: one is held by the hanging feed, the
	// other must get through all five healthy ones.
	p, _ := testPoller(t, store, clock, Options{Workers: 2, FeedTimeout: guard})

	done := make(chan news.PollResult, 1)
	go func() {
		res, _ := p.PollDue(context.Background())
		done <- res
	}()
	for range 5 {
		select {
		case <-stored:
		case <-time.After(guard):
			t.Fatal("healthy feeds waited behind the hanging one")
		}
	}
	select {
	case res := <-done:
		t.Fatalf("PollDue returned %+v while a feed still hangs", res)
	default:
	}
	release <- struct{}{}
	if res := <-done; res.Polled != 6 || res.NewItems != 15 {
		t.Errorf("result = %+v, want 6 polled, 15 new items", res)
	}
}

func TestFeedTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers
	}))
	defer srv.Close()
	store := newMemStore(srv.URL)
	clock := &fakeClock{t: pollT0}
	p, _ := testPoller(t, store, clock, Options{FeedTimeout: 50 * time.Millisecond, ErrorText: errorString})
	res, err := p.PollFeeds(context.Background(), []string{srv.URL})
	if err != nil || res.Failed != 1 {
		t.Fatalf("PollFeeds = %+v, %v; want one failure", res, err)
	}
	if st := store.state(srv.URL); st.Failures != 1 || !strings.Contains(st.LastError, "deadline exceeded") {
		t.Errorf("state = %+v; want one timeout failure", st)
	}
}

func TestBodyCap(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 4096)))
	}))
	defer srv.Close()
	store := newMemStore(srv.URL)
	p, parses := testPoller(t, store, &fakeClock{t: pollT0}, Options{MaxBodyBytes: 1024, ErrorText: errorString})
	p.PollDue(context.Background())
	if st := store.state(srv.URL); st.Failures != 1 || !strings.Contains(st.LastError, ErrTooLarge.Error()) || *parses != 0 {
		t.Errorf("state = %+v, %d parses; want a too-large failure and no parse", st, *parses)
	}
}

// TestNewFeedOldItems: a new feed with 50 old items stores them all with
// their own published dates, which is what lets the digest treat items
// older than its look-back as seen.
func TestNewFeedOldItems(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Old News</title>`)
	for i := range 50 {
		fmt.Fprintf(&b, `<item><title>Story %d</title><link>https://old.example/%d?utm_source=rss</link><pubDate>%s</pubDate><description>text %d</description></item>`,
			i, i, pollT0.Add(-time.Duration(i+2)*24*time.Hour).Format(time.RFC1123Z), i)
	}
	b.WriteString(`</channel></rss>`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(b.String()))
	}))
	defer srv.Close()
	store := newMemStore(srv.URL)
	p, _ := testPoller(t, store, &fakeClock{t: pollT0}, Options{})
	res, err := p.PollFeeds(context.Background(), []string{srv.URL})
	if err != nil || res.NewItems != 50 {
		t.Fatalf("poll = %+v, %v; want 50 new items", res, err)
	}
	for i := range 50 {
		id := fmt.Sprintf("https://old.example/%d", i)
		it, ok := store.items[srv.URL][id]
		want := pollT0.Add(-time.Duration(i+2) * 24 * time.Hour)
		if !ok || !it.Published.Equal(want) {
			t.Errorf("item %s: stored %v with date %v, want %v", id, ok, it.Published, want)
		}
	}
}

func TestRunTicks(t *testing.T) {
	store := newMemStore()
	calls := make(chan struct{}, 4)
	store.onClaim = func() { calls <- struct{}{} }
	tick := make(chan time.Time)
	stopped := make(chan struct{})
	clock := &fakeClock{t: pollT0}
	p, _ := testPoller(t, store, clock, Options{NewTicker: func(d time.Duration) (<-chan time.Time, func()) {
		if d != 15*time.Minute {
			t.Errorf("ticker interval %v, want the 15m default", d)
		}
		return tick, func() { close(stopped) }
	}})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- p.Run(ctx) }()
	wait := func(what string) {
		select {
		case <-calls:
		case <-time.After(guard):
			t.Fatalf("no poll %s", what)
		}
	}
	wait("at start")
	tick <- pollT0.Add(15 * time.Minute)
	wait("after a tick")
	cancel()
	if err := <-ran; err != nil {
		t.Errorf("Run = %v, want nil on cancel", err)
	}
	<-stopped
	if len(calls) != 0 {
		t.Errorf("%d polls without a tick", len(calls))
	}
}

func TestRetryAfterParse(t *testing.T) {
	cases := []struct {
		name, in string
		want     time.Duration
	}{
		{"seconds", "120", 2 * time.Minute},
		{"date", pollT0.Add(time.Hour).Format(http.TimeFormat), time.Hour},
		{"past date", pollT0.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"garbage", "soon", 0},
		{"huge", "999999999999", maxRetryAfter},
		{"negative", "-5", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := retryAfter(c.in, pollT0); got != c.want {
				t.Errorf("retryAfter(%q) = %v, want %v", c.in, got, c.want)
			}
		})
	}
}

func TestShutdownLeavesStateAlone(t *testing.T) {
	entered := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-r.Context().Done()
	}))
	defer srv.Close()
	store := newMemStore(srv.URL)
	p, _ := testPoller(t, store, &fakeClock{t: pollT0}, Options{FeedTimeout: guard})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-entered; cancel() }()
	res, err := p.PollDue(ctx)
	if err != nil || res.Failed != 0 {
		t.Errorf("cancelled poll = %+v, %v; want no failure counted", res, err)
	}
	if st := store.state(srv.URL); st.Failures != 0 || !errors.Is(ctx.Err(), context.Canceled) {
		t.Errorf("state after shutdown = %+v", st)
	}
	if h := store.holder(srv.URL); h != "" {
		t.Errorf("feed still held by %s after a poll cut short; want it given back", h)
	}
}
