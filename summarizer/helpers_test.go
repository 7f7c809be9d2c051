package summarizer

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakellm"
	"github.com/secbrief/secbrief/news"
)

// sleeps records the waits of the injected Sleep instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

type env struct {
	s      *Summarizer
	llm    *fakellm.Server
	cache  *memCache
	sleeps *sleeps
}

var testDay = time.Date(2025, 3, 14, 23, 30, 0, 0, time.FixedZone("X", -5*3600))

// newEnv wires a Summarizer to a fakellm server through the real go-openai
// client, with an in-memory cache, a recording sleep and a fixed clock.
func newEnv(t testing.TB, opts Options) *env {
	t.Helper()
	e := &env{llm: fakellm.New(t), cache: newMemCache(), sleeps: &sleeps{}}
	if opts.Model == "" {
		opts.Model = "test-model"
	}
	if opts.Sleep == nil {
		opts.Sleep = e.sleeps.sleep
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return testDay }
	}
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second // a failure guard, never reached when passing
	}
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e.s = New(NewClient(e.llm.URL(), "sk-test", nil), e.cache, opts, logger)
	return e
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// advisory is a short article naming one CVE.
func advisory(n int) news.Article {
	return news.Article{
		URL:       fmt.Sprintf("https://example.com/advisory-%d", n),
		Title:     fmt.Sprintf("Acme Router flaw %d", n),
		Site:      "Example Security",
		Published: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		Text: fmt.Sprintf("Acme disclosed CVE-2025-1234%d, a remote code execution flaw in Acme Router firmware 4.2.\n\n"+
			"Attackers exploit it in the wild. Update to firmware 4.3 and disable remote management.", n),
	}
}

// corpusArticle is the plain-text article of the shared corpus.
func corpusArticle(t testing.TB) news.Article {
	t.Helper()
	b, err := os.ReadFile("../../shared/corpus/text/000_ada40e4cc4d9c201.txt")
	if err != nil {
		t.Skipf("corpus article absent: %v", err)
	}
	text := string(b)
	a := news.Article{Text: text}
	if first, rest, ok := strings.Cut(text, "\n"); ok && strings.HasPrefix(first, "Title: ") {
		a.Title, a.Text = strings.TrimPrefix(first, "Title: "), rest
	}
	return a
}

var fencePattern = regexp.MustCompile(`<<<ARTICLE-([0-9a-f]{16})>>>\n(?s:(.*))\n<<<END-ARTICLE-([0-9a-f]{16})>>>`)

// fencedData returns the fence id and the data of the request's fenced
// message, failing the test when there is not exactly one.
func fencedData(t testing.TB, r fakellm.Request) (id, data string) {
	t.Helper()
	var found []string
	for _, m := range r.Messages {
		if m := fencePattern.FindStringSubmatch(m.Content); m != nil {
			if m[1] != m[3] {
				t.Fatalf("fence ids differ: %s vs %s", m[1], m[3])
			}
			id, data = m[1], m[2]
			found = append(found, id)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want exactly one fenced message, found %d in %+v", len(found), r.Messages)
	}
	return id, data
}
