package storage

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

func sampleSummary() news.Summary {
	return news.Summary{
		Title:         "Critical RCE in ExampleVPN",
		TLDR:          "Patch now: unauthenticated RCE, exploited in the wild.",
		KeyPoints:     []string{"CVSS 9.8", "exploited since May", "ünïcödé and \"quotes\""},
		Severity:      news.SeverityCritical,
		CVEs:          []string{"CVE-2024-12345", "CVE-2024-12346"},
		Affected:      []string{"ExampleVPN 7.0–7.2"},
		Actions:       []string{"upgrade to 7.3", "rotate credentials"},
		SourceURL:     "https://example.com/advisory",
		Site:          "Example News",
		Published:     time.Date(2024, 5, 17, 9, 30, 15, 123456789, time.FixedZone("CEST", 2*3600)),
		ArticleHash:   "abc123",
		Model:         "gpt-4o-mini",
		PromptVersion: "summary-v1",
		Language:      "en",
	}
}

func TestSummaryRoundTrip(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		full := sampleSummary()
		cases := []struct {
			name string
			sum  news.Summary
		}{
			{"full", full},
			{"nil slices and zero time", news.Summary{Title: "t", TLDR: "x", Severity: news.SeverityInfo}},
			{"empty slices", news.Summary{Title: "t", KeyPoints: []string{}, CVEs: []string{}}},
		}
		s := open(t)
		ctx := context.Background()
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				key := "key/" + c.name
				if err := s.PutSummary(ctx, key, c.sum); err != nil {
					t.Fatal(err)
				}
				got, ok, err := s.Summary(ctx, key)
				if err != nil || !ok {
					t.Fatalf("Summary(%q) = _, %v, %v; want found", key, ok, err)
				}
				if !got.Cached {
					t.Error("Cached = false for a summary from the store")
				}
				assertSummaryEqual(t, got, c.sum)
			})
		}
	})
}

// assertSummaryEqual compares summaries, times by instant, ignoring Cached.
func assertSummaryEqual(t *testing.T, got, want news.Summary) {
	t.Helper()
	if !got.Published.Equal(want.Published) {
		t.Errorf("Published = %v, want %v", got.Published, want.Published)
	}
	got.Published, want.Published = time.Time{}, time.Time{}
	got.Cached, want.Cached = false, false
	if !reflect.DeepEqual(got, want) {
		t.Errorf("summary mismatch:\n got %#v\nwant %#v", got, want)
	}
}

func TestSummaryMissAndErrors(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		s := open(t)
		ctx := context.Background()
		if _, ok, err := s.Summary(ctx, "nope"); ok || err != nil {
			t.Errorf("Summary(missing) = _, %v, %v; want false, nil", ok, err)
		}
		if err := s.PutSummary(ctx, "", sampleSummary()); err == nil {
			t.Error("PutSummary with an empty key succeeded")
		}
	})
}

func TestPutSummaryUpsertAndColumns(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		clock := &testClock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
		s := open(t, WithClock(clock.Now))
		ctx := context.Background()
		first := sampleSummary()
		if err := s.PutSummary(ctx, "k", first); err != nil {
			t.Fatal(err)
		}
		clock.t = clock.t.Add(time.Hour)
		second := first
		second.TLDR = "replaced"
		second.Model = "other-model"
		if err := s.PutSummary(ctx, "k", second); err != nil {
			t.Fatal(err)
		}
		got, _, err := s.Summary(ctx, "k")
		if err != nil {
			t.Fatal(err)
		}
		assertSummaryEqual(t, got, second)

		var (
			n                         int
			hash, model, prompt, lang string
			created                   int64
		)
		if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM summaries`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%d summary rows after two puts of one key, want 1", n)
		}
		err = s.read.QueryRowContext(ctx,
			`SELECT article_hash, model, prompt_version, language, created_at FROM summaries WHERE key = 'k'`).
			Scan(&hash, &model, &prompt, &lang, &created)
		if err != nil {
			t.Fatal(err)
		}
		if hash != "abc123" || model != "other-model" || prompt != "summary-v1" || lang != "en" {
			t.Errorf("columns = %q %q %q %q", hash, model, prompt, lang)
		}
		if created != clock.t.UnixMicro() {
			t.Errorf("created_at = %d, want %d (the clock at the second put)", created, clock.t.UnixMicro())
		}
	})
}

// TestSummaryAcrossStores is the cross-process cache: one Store writes and
// closes, a fresh Store on the same file reads.
func TestSummaryAcrossStores(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache.db")
	ctx := context.Background()
	first, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.PutSummary(ctx, "k", sampleSummary()); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second := openTestStoreAt(t, path)
	got, ok, err := second.Summary(ctx, "k")
	if err != nil || !ok {
		t.Fatalf("Summary after reopen = _, %v, %v; want found", ok, err)
	}
	assertSummaryEqual(t, got, sampleSummary())
}

func BenchmarkSummaryHit(b *testing.B) {
	s := openTestStore(b)
	ctx := context.Background()
	if err := s.PutSummary(ctx, "k", sampleSummary()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, err := s.Summary(ctx, "k"); err != nil || !ok {
			b.Fatalf("Summary = _, %v, %v", ok, err)
		}
	}
}

func BenchmarkSummaryHitParallel(b *testing.B) {
	s := openTestStore(b)
	ctx := context.Background()
	if err := s.PutSummary(ctx, "k", sampleSummary()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, ok, err := s.Summary(ctx, "k"); err != nil || !ok {
				b.Errorf("Summary = _, %v, %v", ok, err)
				return
			}
		}
	})
}
