package summarizer

import (
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/secbrief/secbrief/internal/fakellm"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/storage"
)

// sqliteBench is a Summarizer whose Cache is a real SQLite Store in a
// temporary file, with one article already summarized (one LLM call).
type sqliteBench struct {
	s   *Summarizer
	llm *fakellm.Server
	a   news.Article
}

func newSQLiteBench(b *testing.B) *sqliteBench {
	b.Helper()
	store, err := storage.Open(b.Context(), filepath.Join(b.TempDir(), "secbrief.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	return newStoreBench(b, store)
}

// newStoreBench is newSQLiteBench on any store; it closes store at the end.
func newStoreBench(b *testing.B, store *storage.Store) *sqliteBench {
	b.Helper()
	a := corpusArticle(b)
	b.Cleanup(func() {
		if err := store.Close(); err != nil {
			b.Error(err)
		}
	})
	llm := fakellm.New(b)
	s := New(NewClient(llm.URL(), "sk-test", nil), store, Options{Model: "test-model"}, slog.New(slog.DiscardHandler))
	first, err := s.Summarize(b.Context(), a)
	if err != nil {
		b.Fatalf("first summarize: %v", err)
	}
	if first.Cached || llm.Calls() != 1 {
		b.Fatalf("first summarize: cached %v, %d LLM calls; want a miss and one call", first.Cached, llm.Calls())
	}
	return &sqliteBench{s: s, llm: llm, a: a}
}

// check fails the benchmark unless the whole run made no LLM call beyond
// the first.
func (e *sqliteBench) check(b *testing.B) {
	b.Helper()
	if n := e.llm.Calls(); n != 1 {
		b.Fatalf("%d LLM calls; a cache hit must make none", n)
	}
}

// BenchmarkSummarizeCacheHitSQLite measures Summarize of a stored article
// against the real SQLite store: hashing the text, composing the key, the
// read-pool query, decoding the stored JSON and filling the fields. The
// issue's bar is under 5 ms per call.
func BenchmarkSummarizeCacheHitSQLite(b *testing.B) {
	e := newSQLiteBench(b)
	b.SetBytes(int64(len(e.a.Text)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := e.s.Summarize(b.Context(), e.a)
		if err != nil || !s.Cached || s.Title == "" {
			b.Fatalf("not a cache hit: cached %v title %q err %v", s.Cached, s.Title, err)
		}
	}
	e.check(b)
}

// BenchmarkSummarizeCacheHitSQLiteParallel is the same cache hit from
// GOMAXPROCS×-cpu goroutines at once, contending for the read pool.
func BenchmarkSummarizeCacheHitSQLiteParallel(b *testing.B) {
	e := newSQLiteBench(b)
	var (
		misses   atomic.Int64
		errOnce  sync.Once
		firstErr error
	)
	b.SetBytes(int64(len(e.a.Text)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s, err := e.s.Summarize(b.Context(), e.a)
			if err != nil {
				errOnce.Do(func() { firstErr = err })
			}
			if err != nil || !s.Cached {
				misses.Add(1)
			}
		}
	})
	b.StopTimer()
	if n := misses.Load(); n > 0 {
		b.Fatalf("%d calls were not cache hits; first error: %v", n, firstErr)
	}
	e.check(b)
}
