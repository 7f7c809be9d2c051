package summarizer

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/secbrief/secbrief/internal/fakeclock"
	"github.com/secbrief/secbrief/internal/fakellm"
	"github.com/secbrief/secbrief/internal/pgtest"
	"github.com/secbrief/secbrief/storage"
)

// TestSummarizeTwoStoresMakeOneLLMCall plays two processes for real: two
// Stores opened on one database (each its own claim owner), a Summarizer
// on each, one article asked of both at once. The postgres subtest skips,
// loudly, without SECBRIEF_TEST_POSTGRES.
func TestSummarizeTwoStoresMakeOneLLMCall(t *testing.T) {
	drivers := []struct {
		name string
		open func(t *testing.T) func(ctx context.Context) (*storage.Store, error)
	}{
		{"sqlite", func(t *testing.T) func(ctx context.Context) (*storage.Store, error) {
			path := filepath.Join(t.TempDir(), "secbrief.db")
			return func(ctx context.Context) (*storage.Store, error) { return storage.Open(ctx, path, nil) }
		}},
		{"postgres", func(t *testing.T) func(ctx context.Context) (*storage.Store, error) {
			dsn := pgtest.New(t)
			return func(ctx context.Context) (*storage.Store, error) { return storage.OpenPostgres(ctx, dsn, nil) }
		}},
	}
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) {
			open := d.open(t)
			stores := make([]*storage.Store, 2)
			for i := range stores {
				s, err := open(t.Context())
				if err != nil {
					t.Fatalf("open store %d: %v", i, err)
				}
				t.Cleanup(func() { // after the Summarizers' Wait (cleanups run last first)
					if err := s.Close(); err != nil {
						t.Errorf("close store %d: %v", i, err)
					}
				})
				stores[i] = s
			}
			llm, clock := fakellm.New(t), fakeclock.New(testDay)
			first := newProcess(t, llm, stores[0], clock, Options{})
			second := newProcess(t, llm, stores[1], clock, Options{})
			arrived, held := heldLLM(llm)
			release := sync.OnceFunc(func() { close(held) })
			t.Cleanup(release) // a failing test must not leave a request held
			a := advisory(1)

			resFirst := summarizeAsync(first, t.Context(), a)
			recv(t, arrived, "first process's LLM request")
			resSecond := summarizeAsync(second, t.Context(), a)
			waitPaused(t, clock, 1, "second process") // it found the article claimed
			if held, err := stores[1].ClaimHeld(t.Context(), claimOf(second, a)); err != nil || !held {
				t.Fatalf("ClaimHeld = %v, %v while the first process asks the LLM", held, err)
			}
			release()

			made := recv(t, resFirst, "first process's result")
			waited := settle(t, clock, 1, resSecond)[0]
			madeAndWaited(t, []outcome{made, waited})
			if made.sum.Cached {
				t.Errorf("the first process's summary came from the cache")
			}
			if n := llm.Calls(); n != 1 {
				t.Errorf("%d LLM calls, want 1", n)
			}
			if held, err := stores[0].ClaimHeld(t.Context(), claimOf(first, a)); err != nil || held {
				t.Errorf("ClaimHeld = %v, %v after the summary was stored; want released", held, err)
			}
		})
	}
}
