package storage

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

func sampleArticle(url, text string) news.Article {
	return news.Article{
		URL:       url,
		Title:     "ExampleVPN flaw exploited",
		Byline:    "A. Writer",
		Site:      "Example News",
		Language:  "en",
		Published: time.Date(2024, 5, 17, 7, 0, 0, 0, time.UTC),
		Text:      text,
	}
}

func TestArticleRoundTrip(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		cases := []struct {
			name string
			a    news.Article
		}{
			{"fetched page", sampleArticle("https://example.com/a", "First paragraph.\n\nSecond paragraph.")},
			{"pasted text", news.Article{Title: "pasted", Text: "Some pasted text about CVE-2024-1."}},
			{"no published time", news.Article{URL: "https://example.com/b", Title: "b", Text: "body b"}},
		}
		s := open(t)
		ctx := context.Background()
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if err := s.PutArticle(ctx, c.a); err != nil {
					t.Fatal(err)
				}
				got, ok, err := s.Article(ctx, c.a.Hash())
				if err != nil || !ok {
					t.Fatalf("Article = _, %v, %v; want found", ok, err)
				}
				assertArticleEqual(t, got, c.a)
				if c.a.URL == "" {
					return
				}
				got, ok, err = s.ArticleByURL(ctx, c.a.URL, 0)
				if err != nil || !ok {
					t.Fatalf("ArticleByURL = _, %v, %v; want found", ok, err)
				}
				assertArticleEqual(t, got, c.a)
			})
		}
		t.Run("missing", func(t *testing.T) {
			if _, ok, err := s.Article(ctx, "0000"); ok || err != nil {
				t.Errorf("Article(missing) = _, %v, %v", ok, err)
			}
			for _, u := range []string{"", "https://example.com/never"} {
				if _, ok, err := s.ArticleByURL(ctx, u, 0); ok || err != nil {
					t.Errorf("ArticleByURL(%q) = _, %v, %v", u, ok, err)
				}
			}
		})
	})
}

func assertArticleEqual(t *testing.T, got, want news.Article) {
	t.Helper()
	if !got.Published.Equal(want.Published) {
		t.Errorf("Published = %v, want %v", got.Published, want.Published)
	}
	got.Published, want.Published = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("article mismatch:\n got %#v\nwant %#v", got, want)
	}
}

func TestArticleByURLLatestAndMaxAge(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
		clock := &testClock{t: start}
		s := open(t, WithClock(clock.Now))
		ctx := context.Background()
		const u = "https://example.com/advisory"
		old := sampleArticle(u, "The first version of the advisory.")
		updated := sampleArticle(u, "The updated advisory, now with a patch.")

		if err := s.PutArticle(ctx, old); err != nil {
			t.Fatal(err)
		}
		clock.t = start.Add(time.Hour)
		if err := s.PutArticle(ctx, updated); err != nil {
			t.Fatal(err)
		}
		clock.t = start.Add(3 * time.Hour) // the updated fetch is now 2h old

		cases := []struct {
			name   string
			maxAge time.Duration
			found  bool
		}{
			{"any age", 0, true},
			{"fresh enough", 2 * time.Hour, true},
			{"too old", 2*time.Hour - time.Microsecond, false},
			{"negative means any", -time.Second, true},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got, ok, err := s.ArticleByURL(ctx, u, c.maxAge)
				if err != nil {
					t.Fatal(err)
				}
				if ok != c.found {
					t.Fatalf("found = %v, want %v", ok, c.found)
				}
				if ok && got.Text != updated.Text {
					t.Errorf("text = %q, want the latest fetch %q", got.Text, updated.Text)
				}
			})
		}
		t.Run("earlier text still stored by hash", func(t *testing.T) {
			if _, ok, err := s.Article(ctx, old.Hash()); !ok || err != nil {
				t.Errorf("Article(old) = _, %v, %v", ok, err)
			}
		})
	})
}

func TestPutArticlePastedKeepsURL(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		s := open(t)
		ctx := context.Background()
		page := sampleArticle("https://example.com/p", "Identical text.")
		pasted := news.Article{Title: "pasted", Text: "  Identical\n text. "} // same hash
		if page.Hash() != pasted.Hash() {
			t.Fatal("test articles should share a hash")
		}
		for _, a := range []news.Article{page, pasted} {
			if err := s.PutArticle(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		got, _, err := s.Article(ctx, page.Hash())
		if err != nil {
			t.Fatal(err)
		}
		if got.URL != page.URL {
			t.Errorf("URL = %q after storing the same text pasted, want %q kept", got.URL, page.URL)
		}
		if got.Title != "pasted" {
			t.Errorf("Title = %q, want the latest metadata", got.Title)
		}
	})
}
