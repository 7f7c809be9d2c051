package feeds

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDiscover(t *testing.T) {
	feed := readCorpus(t, "krebsonsecurity-2026-07-04.xml")
	mux := http.NewServeMux()
	mux.HandleFunc("/feed/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(feed)
	})
	mux.HandleFunc("/blog/post", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!doctype html><html><head><title>Post</title>
			<link rel="stylesheet" href="/s.css">
			<link rel="alternate" type="application/rss+xml; charset=UTF-8" href="../feed/">
			<link rel="alternate" type="application/atom+xml" href="/missing.atom">
			</head><body><p>hello</p></body></html>`))
	})
	mux.HandleFunc("/broken-link", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<html><head><link rel="alternate" type="application/atom+xml" href="/missing.atom"></head></html>`))
	})
	mux.HandleFunc("/plain", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<html><head><title>No feed here</title></head><body>text</body></html>`))
	})
	mux.HandleFunc("/old-feed", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/feed/", http.StatusMovedPermanently)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	cases := []struct {
		name     string
		path     string
		wantFeed string // path of the discovered feed; "" for an error
		wantErr  error
	}{
		{"feed URL itself", "/feed/", "/feed/", nil},
		{"redirected feed keeps the final URL", "/old-feed", "/feed/", nil},
		{"html page with relative rel=alternate", "/blog/post", "/feed/", nil},
		{"html page without a feed link", "/plain", "", ErrNoFeed},
		{"linked feed missing", "/broken-link", "", ErrNoFeed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, f, items, err := Discover(context.Background(), srv.Client(), srv.URL+c.path)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("Discover = %q, %v; want %v", u, err, c.wantErr)
				}
				if c.path == "/plain" && !strings.Contains(err.Error(), "the page has no RSS/Atom link") {
					t.Errorf("error %q does not say the page has no feed link", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if u != srv.URL+c.wantFeed || f.Title != "Krebs on Security" || f.URL != u || len(items) != 3 {
				t.Errorf("Discover = %q, %+v, %d items; want %s, Krebs on Security, 3 items", u, f, len(items), srv.URL+c.wantFeed)
			}
		})
	}
}

func TestFeedLinks(t *testing.T) {
	page := `<html><head><base href="https://cdn.example/sub/">
		<link rel="alternate" type="application/feed+json" href="feed.json">
		<link rel="Alternate Feed" type="application/atom+xml" href="https://other.example/atom?x=1">
		<link rel="alternate" type="text/html" href="/fr/">
		<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
		<link rel="alternate" type="application/rss+xml" href="feed.json">
		</head></html>`
	got := feedLinks([]byte(page), "https://site.example/page")
	want := []string{"https://cdn.example/sub/feed.json", "https://other.example/atom?x=1"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("feedLinks = %q, want %q", got, want)
	}
}
