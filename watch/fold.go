package watch

import (
	"unicode"
	"unicode/utf8"

	"github.com/secbrief/secbrief/news"
)

// folded is one field's text as the automaton reads it: every rune folded
// (news.FoldRune) and every run of white space one ' ', as the terms are
// (news.WatchTermKey); origin maps each byte of text back to where its
// rune starts in the field, with one more entry for the end.
type folded struct {
	text   []byte
	origin []int32
}

// fold fills f with s folded, reusing f's buffers. s must be shorter than
// 2 GiB.
func (f *folded) fold(s string) {
	f.text, f.origin = f.text[:0], f.origin[:0]
	if n := len(s) + 1; cap(f.origin) < n { // most text is ASCII: one byte a byte
		f.text, f.origin = make([]byte, 0, n), make([]int32, 0, n)
	}
	space := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf { // ASCII: most of the text, no decoding
			switch {
			case asciiSpace[c]:
				if !space {
					f.text = append(f.text, ' ')
					f.origin = append(f.origin, int32(i))
					space = true
				}
			case 'A' <= c && c <= 'Z':
				f.text = append(f.text, c+'a'-'A')
				f.origin = append(f.origin, int32(i))
				space = false
			default:
				f.text = append(f.text, c)
				f.origin = append(f.origin, int32(i))
				space = false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			if !space {
				f.text = append(f.text, ' ')
				f.origin = append(f.origin, int32(i))
				space = true
			}
			i += n
			continue
		}
		space = false
		before := len(f.text)
		f.text = utf8.AppendRune(f.text, news.FoldRune(r))
		for range len(f.text) - before {
			f.origin = append(f.origin, int32(i))
		}
		i += n
	}
	f.origin = append(f.origin, int32(len(s)))
}

// span is the field's byte range of text[start:end].
func (f *folded) span(start, end int) (int, int) {
	return int(f.origin[start]), int(f.origin[end])
}

// asciiSpace are the ASCII runes unicode.IsSpace accepts.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// isWord reports whether r is part of a word: a letter, a digit, or a mark
// that combines with one.
func isWord(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// bounded reports whether text[start:end], an occurrence of a term whose
// first and last runes are or are not word runes as wordStart and wordEnd
// say, stands on word boundaries: a term that starts with a word rune must
// not follow one, and one that ends with a word rune must not be followed
// by one ("SAP" is not in "SAPPHIRE"; "C++" is in "C++20").
func bounded(text []byte, start, end int, wordStart, wordEnd bool) bool {
	if wordStart && start > 0 {
		if r, _ := utf8.DecodeLastRune(text[:start]); isWord(r) {
			return false
		}
	}
	if wordEnd && end < len(text) {
		if r, _ := utf8.DecodeRune(text[end:]); isWord(r) {
			return false
		}
	}
	return true
}
