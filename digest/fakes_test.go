package digest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/secbrief/secbrief/news"
)

// testClock is an injected clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// fakeSummarizer counts LLM calls, caches by article hash, and can fail.
type fakeSummarizer struct {
	mu    sync.Mutex
	calls int
	cache map[string]news.Summary
	fail  bool
	// actions and affected are what every summary advises and names.
	actions, affected []string
	// cves are the CVE ids the summary of the article titled by the key
	// names.
	cves map[string][]string
}

func newFakeSummarizer() *fakeSummarizer {
	return &fakeSummarizer{cache: map[string]news.Summary{}}
}

func (f *fakeSummarizer) Cached(_ context.Context, a news.Article) (news.Summary, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.cache[a.Hash()]
	if ok {
		s.Cached = true
	}
	return s, ok, nil
}

func (f *fakeSummarizer) Summarize(ctx context.Context, a news.Article) (news.Summary, error) {
	f.mu.Lock()
	f.calls++
	fail, actions, affected := f.fail, f.actions, f.affected
	f.mu.Unlock()
	if fail {
		return news.Summary{}, errors.New("llm unavailable")
	}
	sev := news.SeverityLow
	if strings.Contains(strings.ToLower(a.Title), "critical") {
		sev = news.SeverityCritical
	}
	s := news.Summary{Title: a.Title, TLDR: "tldr", Severity: sev, ArticleHash: a.Hash(), SourceURL: a.URL,
		Actions: actions, Affected: affected}
	f.mu.Lock()
	s.CVEs = f.cves[a.Title]
	f.mu.Unlock()
	f.mu.Lock()
	f.cache[a.Hash()] = s
	f.mu.Unlock()
	return s, nil
}

func (f *fakeSummarizer) Calls() int { f.mu.Lock(); defer f.mu.Unlock(); return f.calls }

// fakePoster posts one header plus one message per story, deduplicating
// creates by nonce as Discord does with enforce_nonce.
type fakePoster struct {
	mu       sync.Mutex
	byNonce  map[string]string // nonce → message id
	messages []string          // created message ids, in order
	// crashAt, when >= 0, makes the create of that part happen on
	// "Discord" and then the process "die" before recording it.
	crashAt int
	// onCrash, when set, is called as the process "dies" at crashAt (a
	// test cancels the dying process's context: a kill, not a failure).
	onCrash func()
	// afterPart, when set, is called after each part is posted and
	// recorded (a test moves its clock, or lets another process act).
	afterPart func(index int)
	threads   int
	// undeliverable makes every post fail as an unknown channel.
	undeliverable bool
	// fail, when set, is asked before each post: a non-nil error fails
	// the post before any part is created (a 5xx that keeps coming back).
	fail func(key string) error
	// calls counts the posts of each digest key.
	calls map[string]int
	// creates counts the creates sent with each nonce (Discord answers a
	// repeated one with the message it made the first time).
	creates map[string]int
}

func newFakePoster() *fakePoster { return &fakePoster{byNonce: map[string]string{}, crashAt: -1} }

var errCrash = errors.New("killed")

// StoryParts: the fake posts story i as part i+1 and no headlines.
func (p *fakePoster) StoryParts(d news.Digest) (stories, headlines []int) {
	for i := range d.Stories {
		stories = append(stories, i+1)
	}
	for range d.Headlines {
		headlines = append(headlines, -1)
	}
	return stories, headlines
}

func (p *fakePoster) PostDigest(ctx context.Context, d news.Digest, key string, sent map[int]string, posted func(news.DigestPart) error) (string, error) {
	p.mu.Lock()
	if p.calls == nil {
		p.calls = map[string]int{}
	}
	p.calls[key]++
	fail := p.fail
	p.mu.Unlock()
	if p.undeliverable {
		return "", fmt.Errorf("unknown channel: %w", news.ErrUndeliverable)
	}
	if fail != nil {
		if err := fail(key); err != nil {
			return "", err
		}
	}
	total := 1 + len(d.Stories)
	for i := 0; i < total; i++ {
		if _, ok := sent[i]; ok {
			continue
		}
		nonce := news.DigestNonce(key, i)
		if len(nonce) > 25 {
			return "", fmt.Errorf("nonce %q longer than 25", nonce)
		}
		p.mu.Lock()
		if p.creates == nil {
			p.creates = map[string]int{}
		}
		p.creates[nonce]++
		id, ok := p.byNonce[nonce]
		if !ok {
			id = fmt.Sprintf("m%d", len(p.messages)+1)
			p.byNonce[nonce] = id
			p.messages = append(p.messages, id)
		}
		crash := p.crashAt == i
		if crash {
			p.crashAt = -1
		}
		onCrash, afterPart := p.onCrash, p.afterPart
		p.mu.Unlock()
		if crash {
			if onCrash != nil {
				onCrash()
			}
			return "", errCrash
		}
		if err := posted(news.DigestPart{Index: i, Total: total, MessageID: id}); err != nil {
			return "", err
		}
		if afterPart != nil {
			afterPart(i)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.threads++
	return "t-" + key, nil
}

func (p *fakePoster) Posted() int { p.mu.Lock(); defer p.mu.Unlock(); return len(p.messages) }

// Calls is how many times the digest with key was posted (tried).
func (p *fakePoster) Calls(key string) int { p.mu.Lock(); defer p.mu.Unlock(); return p.calls[key] }

// Creates is how many creates carried the nonce of part index of the
// digest with key.
func (p *fakePoster) Creates(key string, index int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.creates[news.DigestNonce(key, index)]
}

// setFail sets the failure hook (nil: posts succeed).
func (p *fakePoster) setFail(f func(key string) error) { p.mu.Lock(); p.fail = f; p.mu.Unlock() }
