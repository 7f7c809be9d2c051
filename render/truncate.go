package render

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Ellipsis marks text that was cut.
const Ellipsis = "…"

// Truncate returns s when it has at most max runes; otherwise it cuts s to
// at most max runes, ellipsis included: on the last word boundary when that
// keeps at least half of the room, else inside the word, before the run of
// ASCII letters and digits the cut would split when that too keeps half
// (so "CVE-2024-12345" never becomes "CVE-2024-1234…"). It counts runes,
// never bytes. max <= 0 yields "".
func Truncate(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	if max == 1 {
		return Ellipsis
	}
	r := []rune(s)
	room := max - 1 // runes left for text once the ellipsis is in
	cut := room
	// r[room] exists because len(r) > max; a space there means the cut
	// already falls on a word boundary.
	for i := room; i >= room/2 && i > 0; i-- {
		if unicode.IsSpace(r[i]) {
			cut = i
			break
		}
	}
	// Inside a word, still keep its ASCII runs whole where that keeps half
	// the room: cut inside, ".../CVE-2024-12345" would name CVE-2024-1234.
	if start := asciiRunStart(r, cut); start > 0 && start >= room/2 {
		cut = start
	}
	out := strings.TrimRightFunc(string(r[:cut]), func(c rune) bool {
		return unicode.IsSpace(c) || c == ',' || c == ';' || c == ':'
	})
	return out + Ellipsis
}

// asciiRunStart is where the run of ASCII letters, digits and "_" that a
// cut before r[i] would split starts, or i when the cut splits none.
func asciiRunStart(r []rune, i int) int {
	word := func(c rune) bool {
		return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
	}
	if i >= len(r) || !word(r[i]) {
		return i
	}
	for i > 0 && word(r[i-1]) {
		i--
	}
	return i
}

// ThreadName makes a Discord thread name from an article title: one line,
// invisible characters removed, 1 to 100 runes cut on a word boundary, and
// "Discussion" when nothing is left.
func ThreadName(title string) string {
	name := Truncate(oneLine(stripInvisible(title)), MaxThreadName)
	if strings.Trim(name, Ellipsis) == "" {
		return "Discussion"
	}
	return name
}

// oneLine collapses every run of whitespace, newlines included, to one space
// and trims the ends.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// runeLen is the number of runes of s.
func runeLen(s string) int { return utf8.RuneCountInString(s) }
