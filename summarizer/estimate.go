package summarizer

import "github.com/secbrief/secbrief/news"

// Estimate is what summarizing an article would cost, before any call.
type Estimate struct {
	// Tokens is the estimated token count of the article text.
	Tokens int
	// Chunks is how many parts the text is split into (1 when it fits one
	// request; otherwise one notes request per part plus a combine request).
	Chunks int
}

// Estimate estimates a's tokens and chunks without calling the LLM.
func (s *Summarizer) Estimate(a news.Article) Estimate {
	e := Estimate{Tokens: EstimateTokens(a.Text), Chunks: 1}
	if msgs, err := s.summaryMessages(a); err == nil && estimateMessages(msgs) <= s.opts.MaxInputTokens {
		return e
	}
	if chunks, err := s.chunks(a, a.Text); err == nil {
		e.Chunks = len(chunks)
	}
	return e
}

// Prompt returns the requests Summarize would send first for a, for a dry
// run: one summary request, or one notes request per chunk of a long
// article (the combine request depends on their replies). Fences are random,
// so they differ from the real call's.
func (s *Summarizer) Prompt(a news.Article) ([][]Message, error) {
	msgs, err := s.summaryMessages(a)
	if err != nil {
		return nil, err
	}
	if estimateMessages(msgs) <= s.opts.MaxInputTokens {
		return [][]Message{msgs}, nil
	}
	chunks, err := s.chunks(a, a.Text)
	if err != nil {
		return nil, err
	}
	out := make([][]Message, len(chunks))
	for i, c := range chunks {
		if out[i], err = s.notesMessages(a, c, i+1, len(chunks)); err != nil {
			return nil, err
		}
	}
	return out, nil
}
