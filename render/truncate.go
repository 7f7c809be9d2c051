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
// keeps at least half of the room, else inside the word. It counts runes,
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
	out := strings.TrimRightFunc(string(r[:cut]), func(c rune) bool {
		return unicode.IsSpace(c) || c == ',' || c == ';' || c == ':'
	})
	return out + Ellipsis
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
