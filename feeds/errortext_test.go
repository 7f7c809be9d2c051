package feeds

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// errorString is an Options.ErrorText for tests that check which error a
// poll recorded.
func errorString(err error) string { return err.Error() }

// closedURL is the URL of a port on 127.0.0.1 that nothing listens on: a
// dial there fails with "connect: connection refused".
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/feed.xml"
}

// TestStoredErrorIsErrorText: what a failed poll stores for /feeds list
// (and, at the last failure, hands to OnDisabled's announcement) is the
// ErrorText of the error, never its text with the dialed address, while the
// log keeps that detail.
func TestStoredErrorIsErrorText(t *testing.T) {
	feedURL := closedURL(t)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(strings.TrimSuffix(feedURL, "/feed.xml"), "http://"))
	for _, tt := range []struct {
		name      string
		errorText func(error) string
		want      string
	}{
		{"default", nil, "the last poll failed"},
		{"injected", func(err error) string {
			var op *net.OpError
			if errors.As(err, &op) {
				return "the site could not be reached"
			}
			return "other"
		}, "the site could not be reached"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			store := newMemStore(feedURL)
			var logs bytes.Buffer
			var disabled error
			p := New(&http.Client{Timeout: 20 * time.Second}, store, Options{
				MaxFailures: 1,
				ErrorText:   tt.errorText,
				Now:         (&fakeClock{t: pollT0}).Now,
				OnDisabled:  func(_ context.Context, _ string, err error) { disabled = err },
			}, slog.New(slog.NewTextHandler(&logs, nil)))
			if res, err := p.PollFeeds(context.Background(), []string{feedURL}); err != nil || res.Failed != 1 {
				t.Fatalf("PollFeeds = %+v, %v; want one failure", res, err)
			}
			got := store.state(feedURL).LastError
			if got != tt.want {
				t.Errorf("LastError = %q, want %q", got, tt.want)
			}
			if !strings.Contains(logs.String(), "connection refused") || !strings.Contains(logs.String(), "127.0.0.1:"+port) {
				t.Errorf("the log lost the dial error:\n%s", logs.String())
			}
			if disabled == nil || !strings.Contains(disabled.Error(), "connection refused") {
				t.Errorf("OnDisabled got %v, want the poll's error for the announcement to classify", disabled)
			}
		})
	}
}

// TestDiscoverLinkedFeedsErrorIsTyped: when every feed a page links fails,
// Discover's error still matches ErrNoFeed and unwraps to each feed's own
// error, so a message can say what kind of failure it was without naming
// the URLs the page wrote.
func TestDiscoverLinkedFeedsErrorIsTyped(t *testing.T) {
	dead := closedURL(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<html><head><link rel="alternate" type="application/rss+xml" href="` + dead + `"></head></html>`))
	}))
	defer srv.Close()
	_, _, _, err := Discover(context.Background(), srv.Client(), srv.URL+"/")
	var linked *LinkedFeedsError
	if !errors.As(err, &linked) || !errors.Is(err, ErrNoFeed) {
		t.Fatalf("err = %v, want a *LinkedFeedsError matching ErrNoFeed", err)
	}
	var op *net.OpError
	if len(linked.Errs) != 1 || !errors.As(err, &op) {
		t.Errorf("errs %v, want the dial error of the one linked feed", linked.Errs)
	}
	if !strings.Contains(err.Error(), dead) {
		t.Errorf("error %q lost the linked URL the log needs", err)
	}
}
