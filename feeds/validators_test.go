package feeds

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestValidatorsOnlyFromParsedOK: ETag and Last-Modified are kept only from
// a 200 whose body parsed; a 200 without them clears the old ones, so a
// later request is not conditional on a body the poller never stored.
func TestValidatorsOnlyFromParsedOK(t *testing.T) {
	feed := readCorpus(t, "darkreading-2026-07-03.xml")
	steps := []struct {
		name     string
		etag     string
		body     []byte
		wantETag string
		wantSent string // If-None-Match the request carried
	}{
		{"200 with an ETag", `"v1"`, feed, `"v1"`, ""},
		{"200 that is not a feed", `"broken"`, []byte("<html>maintenance</html>"), `"v1"`, `"v1"`},
		{"200 without validators", "", feed, "", `"v1"`},
		{"unconditional again", `"v2"`, feed, `"v2"`, ""},
	}
	var mu sync.Mutex
	i, sent := 0, ""
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		sent = r.Header.Get("If-None-Match")
		if steps[i].etag != "" {
			w.Header().Set("ETag", steps[i].etag)
		}
		w.Write(steps[i].body)
	}))
	defer srv.Close()
	store := newMemStore(srv.URL)
	clock := &fakeClock{t: pollT0}
	p, _ := testPoller(t, store, clock, Options{})
	for n, s := range steps {
		mu.Lock()
		i = n
		mu.Unlock()
		clock.Set(pollT0.Add(time.Duration(n) * 24 * time.Hour))
		if _, err := p.PollFeeds(context.Background(), []string{srv.URL}); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		mu.Lock()
		got := sent
		mu.Unlock()
		if st := store.state(srv.URL); st.ETag != s.wantETag || got != s.wantSent {
			t.Errorf("%s: stored ETag %q after sending %q; want %q after %q", s.name, st.ETag, got, s.wantETag, s.wantSent)
		}
	}
}
