package commands

import (
	"container/list"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/news"
)

// answer is a summary ready to post: what summaryResponse needs.
type answer struct {
	summary news.Summary
	hash    string // news.Article.Hash of the summarized text
	// embed is rendered once and shared by every answer of the summary
	// (never changed): the bot keeps its encoding by it.
	embed *discordgo.MessageEmbed
}

// hotAnswers keeps the rendered summaries of the most recently summarized
// links in memory, so a link that many members summarize at once is
// answered without touching the store or rendering again. It is bounded in
// size (least recently used first out) and age.
type hotAnswers struct {
	mu      sync.Mutex
	max     int
	ttl     time.Duration
	now     func() time.Time
	entries map[string]*list.Element
	lru     *list.List // front: most recently used
}

type hotEntry struct {
	url     string
	answer  answer
	expires time.Time
}

// newHotAnswers returns a cache of at most max links for at most ttl each.
func newHotAnswers(max int, ttl time.Duration, now func() time.Time) *hotAnswers {
	return &hotAnswers{max: max, ttl: ttl, now: now, entries: make(map[string]*list.Element), lru: list.New()}
}

// get returns the answer for url if it is cached and fresh.
func (h *hotAnswers) get(url string) (answer, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	el, ok := h.entries[url]
	if !ok {
		return answer{}, false
	}
	e := el.Value.(*hotEntry)
	if !h.now().Before(e.expires) {
		h.lru.Remove(el)
		delete(h.entries, url)
		return answer{}, false
	}
	h.lru.MoveToFront(el)
	return e.answer, true
}

// put caches the answer for url, evicting the least recently used link
// when full.
func (h *hotAnswers) put(url string, a answer) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if el, ok := h.entries[url]; ok {
		el.Value = &hotEntry{url: url, answer: a, expires: h.now().Add(h.ttl)}
		h.lru.MoveToFront(el)
		return
	}
	h.entries[url] = h.lru.PushFront(&hotEntry{url: url, answer: a, expires: h.now().Add(h.ttl)})
	for h.lru.Len() > h.max {
		oldest := h.lru.Back()
		h.lru.Remove(oldest)
		delete(h.entries, oldest.Value.(*hotEntry).url)
	}
}
