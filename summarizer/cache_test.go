package summarizer

import (
	"context"
	"sync"

	"github.com/secbrief/secbrief/news"
)

// memCache is an in-memory Cache for tests.
type memCache struct {
	mu        sync.Mutex
	summaries map[string]news.Summary
	articles  map[string]news.Article
	usage     []news.Usage
}

var _ Cache = (*memCache)(nil)

func newMemCache() *memCache {
	return &memCache{summaries: map[string]news.Summary{}, articles: map[string]news.Article{}}
}

func (c *memCache) Summary(_ context.Context, key string) (news.Summary, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.summaries[key]
	return s, ok, nil
}

func (c *memCache) PutSummary(_ context.Context, key string, s news.Summary) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.summaries[key] = s
	return nil
}

func (c *memCache) PutArticle(_ context.Context, a news.Article) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.articles[a.Hash()] = a
	return nil
}

func (c *memCache) AddUsage(_ context.Context, u news.Usage) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.usage = append(c.usage, u)
	return nil
}

func (c *memCache) Usage() []news.Usage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]news.Usage(nil), c.usage...)
}
