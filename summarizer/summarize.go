package summarizer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/sync/errgroup"

	"github.com/secbrief/secbrief/news"
)

// minWords is the least text worth summarizing; shorter input gets ErrEmpty
// (a cookie banner or an empty paste is not an article).
const minWords = 8

// Key is the cache key of a's summary: a hash of the article's content
// hash, the model, the prompt version and the output language. Only the
// summarizer composes keys.
func (s *Summarizer) Key(a news.Article) string {
	return s.key(a.Hash())
}

func (s *Summarizer) key(articleHash string) string {
	sum := sha256.Sum256([]byte(strings.Join(
		[]string{articleHash, s.opts.Model, PromptVersion, s.opts.Language}, "\x00")))
	return hex.EncodeToString(sum[:])
}

// Cached returns a's summary if the cache holds it, without calling the LLM.
func (s *Summarizer) Cached(ctx context.Context, a news.Article) (news.Summary, bool, error) {
	hash := a.Hash()
	sum, ok, err := s.cache.Summary(ctx, s.key(hash))
	if err != nil {
		return news.Summary{}, false, fmt.Errorf("summary cache lookup: %w", err)
	}
	if !ok {
		return news.Summary{}, false, nil
	}
	sum.Cached = true
	s.fill(&sum, a, hash)
	return sum, true, nil
}

// Summarize returns a's summary: from the cache when present (Cached set,
// no LLM call), else from the LLM, then stored with the article. Concurrent
// calls for the same article share one LLM call.
func (s *Summarizer) Summarize(ctx context.Context, a news.Article) (news.Summary, error) {
	if !hasWords(a.Text, minWords) {
		return news.Summary{}, fmt.Errorf("summarize: %w (fewer than %d words)", ErrEmpty, minWords)
	}
	if sum, ok, err := s.Cached(ctx, a); err != nil {
		s.log.Warn("summary cache unavailable, asking the llm", "err", err)
	} else if ok {
		return sum, nil
	}
	hash := a.Hash()
	key := s.key(hash)
	// Callers of one article share one call. It keeps the first caller's
	// values (guild attribution) but not its cancellation, and stops when
	// the last caller waiting has left: nobody waiting, no spending.
	sum, err := s.flight.Do(ctx, key, func(work context.Context) (news.Summary, error) {
		return s.summarizeMiss(work, a, hash, key)
	})
	if err != nil {
		if ctx.Err() != nil && err == context.Cause(ctx) {
			return news.Summary{}, fmt.Errorf("summarize: %w", err)
		}
		return news.Summary{}, err
	}
	// Callers of one flight share the value: give each its own lists.
	sum.KeyPoints = slices.Clone(sum.KeyPoints)
	sum.CVEs = slices.Clone(sum.CVEs)
	sum.Affected = slices.Clone(sum.Affected)
	sum.Actions = slices.Clone(sum.Actions)
	s.fill(&sum, a, hash)
	return sum, nil
}

// summarizeMiss runs in a flight: it re-checks the cache (a flight that
// just ended may have filled it), then makes the summary, under a claim
// when the cache has Claims (another process may be making it already).
func (s *Summarizer) summarizeMiss(ctx context.Context, a news.Article, hash, key string) (news.Summary, error) {
	if sum, ok, err := s.cache.Summary(ctx, key); err == nil && ok {
		sum.Cached = true
		return sum, nil
	}
	if s.claims != nil {
		return s.summarizeClaimed(ctx, a, hash, key)
	}
	return s.produce(ctx, a, hash, key)
}

// produce calls the LLM for a's summary and stores it (and a) under key.
// ctx ends when no caller waits any more; a summary already paid for is
// stored all the same.
func (s *Summarizer) produce(ctx context.Context, a news.Article, hash, key string) (news.Summary, error) {
	start := time.Now()
	sum, err := s.generate(ctx, a)
	if err != nil {
		return news.Summary{}, fmt.Errorf("summarize %s: %w", describe(a), err)
	}
	s.fill(&sum, a, hash)
	ctx = context.WithoutCancel(ctx) // local writes of what was paid for
	if err := s.cache.PutArticle(ctx, a); err != nil {
		s.log.Error("store article", "article_hash", hash, "err", err)
	}
	if err := s.cache.PutSummary(ctx, key, sum); err != nil {
		s.log.Error("store summary", "article_hash", hash, "err", err)
	}
	s.log.Info("summarized", "article_hash", hash, "model", s.opts.Model,
		"severity", sum.Severity, "duration", time.Since(start))
	return sum, nil
}

// fill sets the fields the LLM does not write. The article's own metadata
// wins over what a cached copy (maybe fetched from another URL) carries.
func (s *Summarizer) fill(sum *news.Summary, a news.Article, hash string) {
	if a.URL != "" {
		sum.SourceURL = a.URL
	}
	if a.Site != "" {
		sum.Site = a.Site
	}
	if !a.Published.IsZero() {
		sum.Published = a.Published
	}
	sum.ArticleHash = hash
	sum.Model = s.opts.Model
	sum.PromptVersion = PromptVersion
	sum.Language = s.opts.Language
}

// hasWords reports whether text has at least n words, without splitting
// all of it (Summarize's cache-hit path stays cheap).
func hasWords(text string, n int) bool {
	words, inWord := 0, false
	for _, r := range text {
		switch space := unicode.IsSpace(r); {
		case space:
			inWord = false
		case !inWord:
			inWord = true
			if words++; words >= n {
				return true
			}
		}
	}
	return false
}

func describe(a news.Article) string {
	if a.URL != "" {
		return a.URL
	}
	return fmt.Sprintf("%q", clip(a.Title, 60))
}

// generate asks the LLM: in one request when the article fits the budget,
// else from notes on its first Options.MaxChunks chunks, combined in one
// request. With the one repair, that is at most MaxChunks+2 calls however
// long the page; the summary's Coverage says how much of it was read.
func (s *Summarizer) generate(ctx context.Context, a news.Article) (news.Summary, error) {
	p, err := s.plan(a)
	if err != nil {
		return news.Summary{}, err
	}
	msgs := p.whole
	if msgs == nil {
		notes, err := s.notes(ctx, a, p)
		if err != nil {
			return news.Summary{}, err
		}
		if msgs, err = s.combineMessages(a, notes); err != nil {
			return news.Summary{}, err
		}
		if n := estimateMessages(msgs); n > s.opts.MaxInputTokens {
			// noteBudget sized the notes for this; reaching here is a bug.
			return news.Summary{}, fmt.Errorf("combine request of %d tokens exceeds the budget of %d", n, s.opts.MaxInputTokens)
		}
	}
	reply, err := s.complete(ctx, request{purpose: "summary", messages: msgs, json: true})
	if err != nil {
		return news.Summary{}, err
	}
	sum, perr := s.parseSummary(reply, a.Text)
	if perr != nil {
		s.log.Warn("invalid summary reply, asking for a repair", "err", perr)
		if sum, err = s.repair(ctx, reply, perr, a.Text); err != nil {
			return news.Summary{}, err
		}
	}
	if p.coverage < 1 {
		sum.Coverage = p.coverage
	}
	return sum, nil
}

// repair sends the bad reply back once, asking for valid JSON only.
func (s *Summarizer) repair(ctx context.Context, bad string, reason error, articleText string) (news.Summary, error) {
	msgs, err := repairMessages(bad, reason.Error())
	if err != nil {
		return news.Summary{}, err
	}
	if estimateMessages(msgs) > s.opts.MaxInputTokens {
		return news.Summary{}, fmt.Errorf("%w: %w (reply too long to repair)", ErrInvalidOutput, reason)
	}
	reply, err := s.complete(ctx, request{purpose: "repair", messages: msgs, json: true})
	if err != nil {
		return news.Summary{}, err
	}
	sum, err := s.parseSummary(reply, articleText)
	if err != nil {
		return news.Summary{}, fmt.Errorf("%w: %w (after one repair attempt)", ErrInvalidOutput, err)
	}
	return sum, nil
}

// notes runs the map step over p's chunks (concurrently, within the
// concurrency limit): one request each, its reply capped (max_tokens, then
// clipped) to p.noteTokens so that all of them fit one combine request.
func (s *Summarizer) notes(ctx context.Context, a news.Article, p plan) (string, error) {
	notes := make([]string, len(p.chunks))
	g, gctx := errgroup.WithContext(ctx)
	for i := range p.chunks {
		g.Go(func() error {
			msgs, err := p.notesMessages(s, a, i)
			if err != nil {
				return err
			}
			reply, err := s.complete(gctx, request{purpose: "notes", messages: msgs, maxTokens: p.noteTokens})
			if err != nil {
				return fmt.Errorf("part %d of %d: %w", i+1, p.parts, err)
			}
			notes[i] = fmt.Sprintf("Notes on part %d of %d:\n%s", i+1, p.parts,
				clipTokens(strings.TrimSpace(reply), p.noteTokens))
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return "", err
	}
	s.log.Info("summarized long article in parts", "chunks", len(p.chunks), "parts", p.parts,
		"coverage", p.coverage)
	return strings.Join(notes, "\n\n"), nil
}

// chunks splits text so that each notes request fits the budget.
func (s *Summarizer) chunks(a news.Article, text string) ([]string, error) {
	// Measure the scaffolding of a notes request with an empty chunk.
	empty, err := s.notesMessages(a, "", 99, 99, 999)
	if err != nil {
		return nil, err
	}
	// A small margin covers part numbers longer than the "99" measured.
	room := s.opts.MaxInputTokens - estimateMessages(empty) - 8
	if room < 64 {
		return nil, fmt.Errorf("token budget %d leaves no room for text (title too long?)", s.opts.MaxInputTokens)
	}
	return split(text, room), nil
}
