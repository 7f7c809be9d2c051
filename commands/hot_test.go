package commands

import (
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

func TestHotAnswers(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	h := newHotAnswers(2, time.Hour, func() time.Time { return now })
	a := func(title string) answer { return answer{summary: news.Summary{Title: title}} }
	h.put("u1", a("one"))
	h.put("u2", a("two"))
	if got, ok := h.get("u1"); !ok || got.summary.Title != "one" {
		t.Fatalf("get(u1) = %v, %v", got, ok)
	}
	h.put("u3", a("three")) // evicts u2, the least recently used
	if _, ok := h.get("u2"); ok {
		t.Error("u2 survived eviction")
	}
	if _, ok := h.get("u1"); !ok {
		t.Error("u1 evicted although used recently")
	}
	h.put("u1", a("one again"))
	if got, _ := h.get("u1"); got.summary.Title != "one again" {
		t.Errorf("replaced answer = %q", got.summary.Title)
	}
	now = now.Add(time.Hour)
	if _, ok := h.get("u3"); ok {
		t.Error("expired answer served")
	}
	if len(h.entries) != h.lru.Len() || h.lru.Len() != 1 {
		t.Errorf("entries %d, lru %d, want 1 each", len(h.entries), h.lru.Len())
	}
}
