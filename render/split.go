package render

import (
	"regexp"
	"strings"
)

// blankLine separates paragraphs.
var blankLine = regexp.MustCompile(`\n[ \t]*\n`)

// The levels Split cuts at, coarsest first.
const (
	levelParagraph = iota
	levelLine
	levelWord
	levelRune
)

// separators joins the units of each level back together.
var separators = [...]string{levelParagraph: "\n\n", levelLine: "\n", levelWord: " "}

// Split cuts text into parts of at most max runes (max < 1 counts as 1):
// whole paragraphs (separated by blank lines) are packed together while they
// fit; a paragraph too long is cut between lines, a line between words, a
// word between runes. Only whitespace at the cuts is lost (and invalid
// UTF-8, which becomes U+FFFD). Whitespace-only
// text yields no parts.
func Split(text string, max int) []string {
	limit := max
	if limit < 1 {
		limit = 1
	}
	text = strings.TrimSpace(strings.ReplaceAll(strings.ToValidUTF8(text, "\uFFFD"), "\r\n", "\n"))
	if text == "" {
		return nil
	}
	return splitAt(text, limit, levelParagraph)
}

// splitAt splits text at level, going finer for units that do not fit.
func splitAt(text string, limit, level int) []string {
	if runeLen(text) <= limit {
		return []string{text}
	}
	if level == levelRune {
		r := []rune(text)
		var out []string
		for len(r) > 0 {
			n := min(len(r), limit)
			out = append(out, string(r[:n]))
			r = r[n:]
		}
		return out
	}
	sep := separators[level]
	var (
		out []string
		cur string
		n   int // runes in cur
	)
	add := func(u string) {
		l := runeLen(u)
		switch {
		case n == 0:
			cur, n = u, l
		case n+len(sep)+l <= limit:
			cur, n = cur+sep+u, n+len(sep)+l
		default:
			out = append(out, cur)
			cur, n = u, l
		}
	}
	for _, u := range units(text, level) {
		if runeLen(u) <= limit {
			add(u)
			continue
		}
		parts := splitAt(u, limit, level+1)
		if n > 0 {
			out = append(out, cur)
		}
		out = append(out, parts[:len(parts)-1]...)
		cur, n = parts[len(parts)-1], runeLen(parts[len(parts)-1])
	}
	if n > 0 {
		out = append(out, cur)
	}
	return out
}

// units are the non-blank pieces of text at level, trimmed of the
// whitespace around them (lines keep their indentation).
func units(text string, level int) []string {
	var raw []string
	switch level {
	case levelParagraph:
		raw = blankLine.Split(text, -1)
	case levelLine:
		raw = strings.Split(text, "\n")
	default:
		return strings.Fields(text)
	}
	var out []string
	for _, u := range raw {
		u = strings.TrimRight(strings.Trim(u, "\n"), " \t")
		if strings.TrimSpace(u) != "" {
			out = append(out, u)
		}
	}
	return out
}

// Answer prepares a follow-up answer for Discord: the text sanitized (see
// Sanitize) and split into messages of at most MaxContent runes on
// paragraph boundaries. An empty answer yields no messages.
func Answer(text string, allowedURLs func(string) bool) []string {
	return Split(Sanitize(text, allowedURLs), MaxContent)
}
