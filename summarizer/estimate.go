package summarizer

import (
	"fmt"
	"unicode/utf8"

	"github.com/secbrief/secbrief/news"
)

// MinNoteTokens is the shortest note worth a notes request: below it the
// notes of a long article's parts would say next to nothing.
const MinNoteTokens = 100

// headerReserve is the room MaxChunksFor keeps for an article's title,
// site, URL and date in the combine request (an ordinary header takes
// 20–90 estimated tokens; a longer one gets fewer chunks, see noteBudget).
const headerReserve = 120

// MaxChunksFor is the most chunks whose notes, at least MinNoteTokens
// each, fit one combine request within maxInputTokens for an article with
// an ordinary header: the largest Options.MaxChunks (llm.max_chunks) worth
// setting for that budget; 0 when none fits.
func MaxChunksFor(maxInputTokens int) int {
	s := &Summarizer{opts: Options{Language: DefaultLanguage}}
	empty, err := s.combineMessages(news.Article{}, "")
	if err != nil {
		return 0
	}
	return max(maxInputTokens-estimateMessages(empty)-headerReserve, 0) / (MinNoteTokens + noteFraming)
}

// noteFraming is the estimated cost of one note's "Notes on part i of n:"
// line and the blank line after it in the combine request, with room for
// five-digit part numbers.
const noteFraming = 12

// Estimate is what summarizing an article would cost, before any call. The
// real run follows the same plan, so a dry run shows its figures.
type Estimate struct {
	// Tokens is the estimated token count of the article text.
	Tokens int
	// Chunks is how many parts are sent: 1 when the article fits one
	// request, otherwise one notes request per part plus a combine request.
	Chunks int
	// Parts is how many parts the whole text splits into; more than Chunks
	// when a very long page is cut to its first Options.MaxChunks parts.
	Parts int
	// Coverage is the fraction (0 to 1) of the text the summary is made
	// from: 1 unless parts are left out.
	Coverage float64
	// Calls is the number of LLM calls when the summary reply is valid: 1,
	// or Chunks notes and one combine; 0 when the budget cannot hold the
	// article's requests (Summarize then fails without a call). MaxCalls
	// adds the one repair of an invalid reply. Retries of a failed request
	// are not counted.
	Calls, MaxCalls int
}

// Estimate estimates a's tokens, chunks and LLM calls without calling the
// LLM, from the plan Summarize follows.
func (s *Summarizer) Estimate(a news.Article) Estimate {
	e := Estimate{Tokens: EstimateTokens(a.Text), Chunks: 1, Parts: 1, Coverage: 1, Calls: 1, MaxCalls: 2}
	p, err := s.plan(a)
	if err != nil {
		e.Calls, e.MaxCalls = 0, 0 // Summarize fails before any call
		return e
	}
	if p.whole != nil {
		return e
	}
	e.Chunks, e.Parts, e.Coverage = len(p.chunks), p.parts, p.coverage
	e.Calls = len(p.chunks) + 1
	e.MaxCalls = e.Calls + 1
	return e
}

// Prompt returns the requests Summarize would send first for a, for a dry
// run: one summary request, or one notes request per chunk of a long
// article (the combine request depends on their replies). Fences are random,
// so they differ from the real call's.
func (s *Summarizer) Prompt(a news.Article) ([][]Message, error) {
	p, err := s.plan(a)
	if err != nil {
		return nil, err
	}
	if p.whole != nil {
		return [][]Message{p.whole}, nil
	}
	out := make([][]Message, len(p.chunks))
	for i := range p.chunks {
		if out[i], err = p.notesMessages(s, a, i); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// plan is how one article is summarized: in one request (whole), or from
// notes on its first chunks, each note at most noteTokens, all of which fit
// one combine request.
type plan struct {
	whole      []Message
	chunks     []string
	parts      int     // chunks of the whole text, taken or not
	coverage   float64 // share of the text (in runes) in chunks
	noteTokens int
}

// notesMessages is the notes request for chunk i (0-based) of p.
func (p plan) notesMessages(s *Summarizer, a news.Article, i int) ([]Message, error) {
	// About 0.75 words a token in English; fewer words than tokens keeps
	// most replies under the cap, and clipping handles the rest.
	return s.notesMessages(a, p.chunks[i], i+1, p.parts, max(p.noteTokens*2/3, 1))
}

// plan decides how a is summarized. Summarize and Estimate both use it, so
// a dry run's figures are the real run's.
func (s *Summarizer) plan(a news.Article) (plan, error) {
	msgs, err := s.summaryMessages(a)
	if err != nil {
		return plan{}, err
	}
	if estimateMessages(msgs) <= s.opts.MaxInputTokens {
		return plan{whole: msgs, parts: 1, coverage: 1}, nil
	}
	take, noteTokens, err := s.noteBudget(a)
	if err != nil {
		return plan{}, err
	}
	all, err := s.chunks(a, a.Text)
	if err != nil {
		return plan{}, err
	}
	p := plan{chunks: all[:min(take, len(all))], parts: len(all), coverage: 1, noteTokens: noteTokens}
	if len(p.chunks) < len(all) {
		kept, total := 0, 0
		for i, c := range all {
			n := utf8.RuneCountInString(c)
			total += n
			if i < len(p.chunks) {
				kept += n
			}
		}
		p.coverage = float64(kept) / float64(total)
	}
	return p, nil
}

// noteBudget returns how many chunks of a get notes and the cap of one
// note, so that that many notes fit one combine request within
// MaxInputTokens. It takes Options.MaxChunks chunks unless their notes
// would be shorter than MinNoteTokens (config validation keeps this from
// happening with ordinary titles), then fewer.
func (s *Summarizer) noteBudget(a news.Article) (chunks, noteTokens int, err error) {
	empty, err := s.combineMessages(a, "")
	if err != nil {
		return 0, 0, err
	}
	room := s.opts.MaxInputTokens - estimateMessages(empty)
	chunks = s.opts.MaxChunks
	if room/chunks-noteFraming < MinNoteTokens {
		chunks = room / (MinNoteTokens + noteFraming)
		if chunks < 1 {
			return 0, 0, fmt.Errorf("token budget %d leaves no room to combine notes (title too long?)", s.opts.MaxInputTokens)
		}
		s.log.Warn("fewer chunks of a long article to fit their notes in one request",
			"max_chunks", s.opts.MaxChunks, "chunks", chunks, "max_input_tokens", s.opts.MaxInputTokens)
	}
	return chunks, min(room/chunks-noteFraming, s.opts.MaxOutputTokens), nil
}
