// Package invisible defines, once, the characters that render as nothing
// yet reach a reader or a model: text may hide instructions in them, or
// split a word so that matching misses it. Article text before prompting,
// feed text and everything the bot posts are stripped of the same set.
package invisible

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Is reports whether r is invisible: a format character (zero-width
// spaces and joiners, bidi embeddings, overrides, isolates and marks, the
// soft hyphen, the BOM, the deprecated format characters U+206A–206F, the
// interlinear annotation marks U+FFF9–FFFB, tag characters), anything in
// the tag block U+E0000–E007F, the combining grapheme joiner, the Hangul
// fillers (U+115F, U+1160, U+3164, U+FFA0), a noncharacter, or a control
// character other than whitespace (tab, line feed, vertical tab, form
// feed, carriage return, next line stay: callers normalize spaces their
// own way).
func Is(r rune) bool {
	switch {
	case r < 0x80: // fast path: ASCII text
		return (r < 0x20 && !unicode.IsSpace(r)) || r == 0x7F
	case r >= 0xE0000 && r <= 0xE007F: // tag block, assigned or not
		return true
	}
	switch r {
	case 0x034F, // combining grapheme joiner
		0x115F, 0x1160, 0x3164, 0xFFA0: // Hangul fillers, letters that show nothing
		return true
	}
	return unicode.Is(unicode.Cf, r) ||
		(unicode.IsControl(r) && !unicode.IsSpace(r)) ||
		unicode.Is(unicode.Noncharacter_Code_Point, r)
}

// Strip returns s without its invisible characters (Is), invalid UTF-8 or
// replacement characters (U+FFFD, what invalid bytes decode to). Text
// with none of them is returned as is, without copying.
func Strip(s string) string {
	i := strings.IndexFunc(s, drop)
	if i < 0 {
		return s // IndexFunc sees invalid bytes as U+FFFD: s is valid
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		if !drop(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func drop(r rune) bool { return r == utf8.RuneError || Is(r) }
