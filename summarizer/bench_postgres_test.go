package summarizer

import (
	"testing"

	"github.com/secbrief/secbrief/internal/pgtest"
	"github.com/secbrief/secbrief/storage"
)

// BenchmarkSummarizeCacheHitPostgres is BenchmarkSummarizeCacheHitSQLite
// with the store in PostgreSQL (issue 13's bar: a cached /summarize stays
// under 5 ms in-process). It skips without SECBRIEF_TEST_POSTGRES.
func BenchmarkSummarizeCacheHitPostgres(b *testing.B) {
	store, err := storage.OpenPostgres(b.Context(), pgtest.New(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	e := newStoreBench(b, store)
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
