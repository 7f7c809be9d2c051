package summarizer

import (
	"testing"
)

// BenchmarkSummarizeCacheHit measures Summarize on a cached article
// (hashing the text, composing the key, the cache lookup, filling fields).
func BenchmarkSummarizeCacheHit(b *testing.B) {
	e := newEnv(b, Options{})
	a := corpusArticle(b)
	if _, err := e.s.Summarize(b.Context(), a); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s, err := e.s.Summarize(b.Context(), a)
		if err != nil || !s.Cached {
			b.Fatalf("not a cache hit: %v", err)
		}
	}
	if e.llm.Calls() != 1 {
		b.Fatalf("%d LLM calls", e.llm.Calls())
	}
}

func BenchmarkEstimateTokens(b *testing.B) {
	text := longArticle(100).Text
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		EstimateTokens(text)
	}
}
