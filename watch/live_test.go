package watch

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/secbrief/secbrief/news"
)

// source is a Source in memory, counting the loads of all watches.
type source struct {
	mu      sync.Mutex
	ws      []news.Watch
	version int64
	loads   int
	err     error
}

func (s *source) AllWatches(context.Context) ([]news.Watch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	s.loads++
	return append([]news.Watch(nil), s.ws...), nil
}

func (s *source) WatchesChanged(context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version, s.err
}

func (s *source) add(w news.Watch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ws = append(s.ws, w)
	s.version++
}

func TestLive(t *testing.T) {
	ctx := context.Background()
	src := &source{}
	l := NewLive(src)
	d := Doc{Title: "Fortinet and Cisco"}
	matches := func() int {
		t.Helper()
		x, err := l.Index(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(x.Match("g1", d))
	}

	if n := matches(); n != 0 || src.loads != 1 {
		t.Fatalf("empty source: %d hits, %d loads; want 0, 1", n, src.loads)
	}
	if n := matches(); n != 0 || src.loads != 1 {
		t.Errorf("unchanged: %d loads, want no reload", src.loads)
	}
	src.add(news.Watch{ID: 1, GuildID: "g1", Term: "Fortinet"})
	if n := matches(); n != 1 || src.loads != 2 {
		t.Errorf("after an addition: %d hits, %d loads; want 1, 2", n, src.loads)
	}
	src.add(news.Watch{ID: 2, GuildID: "g1", Term: "Cisco"})
	src.err = errors.New("database down")
	x, err := l.Index(ctx)
	if err == nil || x == nil || len(x.Match("g1", d)) != 1 {
		t.Errorf("store down: %v, %v; want the error with the previous index", x, err)
	}
	src.err = nil
	if n := matches(); n != 2 || src.loads != 3 {
		t.Errorf("store back: %d hits, %d loads; want 2, 3", n, src.loads)
	}

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if x, err := l.Index(ctx); err != nil || x.Len() != 2 {
				t.Errorf("concurrent Index = %v, %v", x, err)
			}
		})
	}
	wg.Wait()
}
