package watch

import (
	"context"
	"fmt"
	"sync"

	"github.com/secbrief/secbrief/news"
)

// Source is where the watches are (package storage): every guild's, and a
// number that moves whenever one is added or removed, by any process.
type Source interface {
	AllWatches(ctx context.Context) ([]news.Watch, error)
	WatchesChanged(ctx context.Context) (int64, error)
}

// Live keeps the index of a Source's watches current: Index rebuilds it
// when the source's change marker moved since the last build, and returns
// the one it has otherwise. Safe for concurrent use.
type Live struct {
	src Source

	mu      sync.Mutex
	index   *Index
	version int64
}

// NewLive returns a Live over src; its first Index call builds the index.
func NewLive(src Source) *Live { return &Live{src: src} }

// Index returns the index of the source's watches as of now: one cheap
// read of the change marker, and a rebuild only when it moved. The marker
// is read before the watches, so a change made while they load makes the
// next call rebuild again rather than be missed. On an error the previous
// index, if any, is returned with it, so a caller may go on matching.
func (l *Live) Index(ctx context.Context) (*Index, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v, err := l.src.WatchesChanged(ctx)
	if err != nil {
		return l.index, fmt.Errorf("watch index: %w", err)
	}
	if l.index != nil && v == l.version {
		return l.index, nil
	}
	ws, err := l.src.AllWatches(ctx)
	if err != nil {
		return l.index, fmt.Errorf("watch index: %w", err)
	}
	l.index, l.version = NewIndex(ws), v
	return l.index, nil
}
