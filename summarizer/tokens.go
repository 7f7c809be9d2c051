package summarizer

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// EstimateTokens estimates how many tokens a BPE tokenizer (cl100k/o200k
// style) makes of text, erring high so budgets hold:
//   - a run of ASCII letters/digits or Latin letters counts one token per
//     4 characters, rounded up (English averages ~4.5 characters a token);
//   - every other printable non-space character (punctuation, symbols, CJK,
//     Cyrillic, emoji…) counts one token;
//   - whitespace is free (it merges into the next token).
func EstimateTokens(text string) int {
	tokens, run := 0, 0
	for _, r := range text {
		switch {
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'),
			r >= utf8.RuneSelf && unicode.Is(unicode.Latin, r):
			run++
			continue
		}
		tokens += (run + 3) / 4
		run = 0
		if !unicode.IsSpace(r) {
			tokens++
		}
	}
	return tokens + (run+3)/4
}

// messageOverhead is the per-message framing cost in the chat format.
const messageOverhead = 4

// estimateMessages estimates the prompt tokens of a request.
func estimateMessages(msgs []Message) int {
	n := 3 // reply priming
	for _, m := range msgs {
		n += messageOverhead + EstimateTokens(m.Content)
	}
	return n
}

// split cuts text into chunks of at most budget estimated tokens each, on
// paragraph boundaries (blank lines) where possible, then lines, then
// sentences, then words; nothing is dropped. Chunks are joined by blank
// lines again.
func split(text string, budget int) []string {
	var chunks []string
	var cur []string
	curTokens := 0
	flush := func() {
		if len(cur) > 0 {
			chunks = append(chunks, strings.Join(cur, "\n\n"))
			cur, curTokens = nil, 0
		}
	}
	for _, p := range pieces(text, budget) {
		t := EstimateTokens(p) + 1 // the blank line between paragraphs
		if curTokens+t > budget {
			flush()
		}
		cur = append(cur, p)
		curTokens += t
	}
	flush()
	return chunks
}

// pieces splits text into paragraphs, breaking each paragraph that exceeds
// budget into smaller pieces.
func pieces(text string, budget int) []string {
	var out []string
	for _, para := range paragraphs(text) {
		out = append(out, fit(para, budget, 0)...)
	}
	return out
}

// paragraphs returns the non-empty, trimmed blank-line-separated blocks.
func paragraphs(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var out []string
	for p := range strings.SplitSeq(text, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// separators are tried in order to break an over-budget block.
var separators = [...]string{"\n", ". ", " "}

// fit breaks s into pieces of at most budget-1 tokens, using separators from
// level on; a single word longer than that is cut by runes.
func fit(s string, budget, level int) []string {
	limit := budget - 1
	if EstimateTokens(s) <= limit {
		return []string{s}
	}
	if level == len(separators) {
		return cutRunes(s, limit)
	}
	sep := separators[level]
	parts := strings.SplitAfter(s, sep)
	var out []string
	var b strings.Builder
	bTokens := 0 // parts end in whitespace, so token counts add up
	for _, p := range parts {
		t := EstimateTokens(p)
		if bTokens+t > limit && b.Len() > 0 {
			out = append(out, strings.TrimSpace(b.String()))
			b.Reset()
			bTokens = 0
		}
		if t > limit {
			out = append(out, fit(strings.TrimSpace(p), budget, level+1)...)
			continue
		}
		b.WriteString(p)
		bTokens += t
	}
	if t := strings.TrimSpace(b.String()); t != "" {
		out = append(out, t)
	}
	return out
}

// cutRunes cuts s into pieces of at most limit estimated tokens, as long
// as possible (a Latin run of 4n runes is n tokens; other runes are one
// token each, so limit runes always fit).
func cutRunes(s string, limit int) []string {
	limit = max(limit, 1)
	var out []string
	r := []rune(s)
	for len(r) > 0 {
		n := min(4*limit, len(r))
		for n > limit && EstimateTokens(string(r[:n])) > limit {
			n = max(n*9/10, limit)
		}
		out = append(out, string(r[:n]))
		r = r[n:]
	}
	return out
}

// clipTokens returns s when it is within limit estimated tokens, else its
// longest prefix that is, cut after a whole word where it can be and ended
// with "…" (counted in limit). It is how a note longer than asked still
// fits the one combine request.
func clipTokens(s string, limit int) string {
	if EstimateTokens(s) <= limit {
		return s
	}
	if limit < 2 {
		return ""
	}
	r := []rune(s)
	// A prefix never estimates more than a longer one, so the longest
	// prefix that fits is found by bisection.
	n := sort.Search(len(r)+1, func(n int) bool { return EstimateTokens(string(r[:n])) > limit-1 }) - 1
	cut := string(r[:n])
	if i := strings.LastIndexFunc(cut, unicode.IsSpace); i > 0 {
		cut = cut[:i]
	}
	return strings.TrimSpace(cut) + "…"
}
