package watch

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/secbrief/secbrief/news"
)

// naiveFind is the reference matcher: for every rune position of s, it
// walks term's runes and s's together, rune by rune, comparing folded runes
// and taking a run of white space in s for each space of the normalized
// term; it returns the first word-bounded occurrence's byte span. It
// shares nothing with fold or the automaton but news.FoldRune.
func naiveFind(s, term string) (int, int, bool) {
	key := []rune(news.NormalizeWatchTerm(term))
	if len(key) == 0 {
		return 0, 0, false
	}
	word := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) }
	for start := 0; start < len(s); {
		r0, n0 := utf8.DecodeRuneInString(s[start:])
		if end, ok := naiveAt(s, start, key); ok {
			prev, _ := utf8.DecodeLastRuneInString(s[:start])
			next, _ := utf8.DecodeRuneInString(s[end:])
			okStart := !word(key[0]) || start == 0 || !word(prev)
			okEnd := !word(key[len(key)-1]) || end == len(s) || !word(next)
			if okStart && okEnd {
				return start, end, true
			}
		}
		_ = r0
		start += n0
	}
	return 0, 0, false
}

// naiveAt reports whether key occurs in s at byte i, and where it ends.
func naiveAt(s string, i int, key []rune) (int, bool) {
	for k := 0; k < len(key); k++ {
		if i >= len(s) {
			return 0, false
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if key[k] == ' ' {
			if !unicode.IsSpace(r) {
				return 0, false
			}
			for i < len(s) {
				r, n := utf8.DecodeRuneInString(s[i:])
				if !unicode.IsSpace(r) {
					break
				}
				i += n
			}
			continue
		}
		if unicode.IsSpace(r) || news.FoldRune(r) != news.FoldRune(key[k]) {
			return 0, false
		}
		i += n
	}
	return i, true
}

// naiveMatch is Match by naiveFind: per watch, fields in order.
func naiveMatch(ws []news.Watch, guild string, d Doc) []Hit {
	type field struct {
		name  string
		index int
		text  string
	}
	fields := []field{{FieldTitle, 0, d.Title}, {FieldText, 0, d.Text}}
	for i, s := range d.Affected {
		fields = append(fields, field{FieldAffected, i, s})
	}
	for i, s := range d.KEVProducts {
		fields = append(fields, field{FieldKEV, i, s})
	}
	for i, s := range d.CVEs {
		fields = append(fields, field{FieldCVE, i, s})
	}
	var hits []Hit
	for _, w := range ws { // ws are in id order
		if w.GuildID != guild {
			continue
		}
		for _, f := range fields {
			if start, end, ok := naiveFind(f.text, w.Term); ok {
				hits = append(hits, Hit{Watch: w, Field: f.name, Index: f.index, Start: start, End: end})
				break
			}
		}
	}
	return hits
}

// checkHits checks Match's invariants on one doc: every hit's span is a
// word-bounded, case-insensitive occurrence of its term, and the hits are
// the reference's.
func checkHits(t *testing.T, ws []news.Watch, d Doc) {
	t.Helper()
	x := NewIndex(ws)
	guilds := map[string]bool{}
	for _, w := range ws {
		guilds[w.GuildID] = true
	}
	all := x.MatchAll(d)
	for g := range guilds {
		got := x.Match(g, d)
		for _, h := range got {
			if h.Watch.GuildID != g {
				t.Fatalf("Match(%s) returned guild %s's watch %+v", g, h.Watch.GuildID, h.Watch)
			}
			span := hitText(d, h)
			if news.WatchTermKey(span) != news.WatchTermKey(h.Watch.Term) {
				t.Fatalf("hit %+v spans %q, not term %q", h, span, h.Watch.Term)
			}
		}
		want := naiveMatch(ws, g, d)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Match(%s, %+v) with terms %q:\n got %+v\nwant %+v", g, d, terms(ws), got, want)
		}
		if !reflect.DeepEqual(all[g], got) {
			t.Fatalf("MatchAll[%s] = %+v, Match = %+v", g, all[g], got)
		}
	}
}

func terms(ws []news.Watch) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Term
	}
	return out
}

// alphabet is what random terms and texts are made of: letters that fold
// (ASCII, ß, the Kelvin sign, final sigma), white space of several kinds,
// dashes, punctuation, a combining mark.
var alphabet = []rune{'a', 'b', 'A', 'B', 'k', 'K', '\u212A', 's', 'ſ', 'σ', 'ς', 'Σ', 'ß', '1', '2',
	' ', ' ', '\t', '\n', '\u00a0', '-', '\u2011', '.', '+', '\u0301', 'é', 'É'}

func randomString(r *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		b.WriteRune(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

// TestMatchAgainstReference compares Match with the naive reference on
// random terms and documents over a small alphabet, where occurrences,
// near misses and overlaps are common.
func TestMatchAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		var ws []news.Watch
		for i := range 1 + r.IntN(6) {
			ws = append(ws, news.Watch{ID: int64(i + 1), GuildID: []string{"g1", "g2"}[r.IntN(2)], Term: randomString(r, 1+r.IntN(4))})
		}
		d := Doc{Title: randomString(r, r.IntN(12)), Text: randomString(r, r.IntN(40)),
			Affected: []string{randomString(r, r.IntN(8))}, CVEs: []string{randomString(r, r.IntN(6))}}
		checkHits(t, ws, d)
	}
}

func FuzzMatch(f *testing.F) {
	f.Add("SAP", "Ivanti Connect Secure", "SAPPHIRE and sap; Ivanti\n Connect  SECURE", "CVE-2025-53770")
	f.Add("cve-2025-53770", "ab", "CVE\u20112025\u201153770 abc ab", "")
	f.Add("straße", "C++", "STRAßE C++20 \u212Aelvin", "x")
	f.Add("é", "a b", "e\u0301 É a\u00a0\tb", "")
	f.Fuzz(func(t *testing.T, term1, term2, text, extra string) {
		// Terms are at most 100 characters (/watch add refuses longer);
		// long texts only slow the quadratic reference down.
		if len(term1) > 4*news.MaxWatchTermLen || len(term2) > 4*news.MaxWatchTermLen || len(text) > 4096 || len(extra) > 1024 {
			t.Skip()
		}
		ws := []news.Watch{
			{ID: 1, GuildID: "g1", Term: term1},
			{ID: 2, GuildID: "g2", Term: term2},
			{ID: 3, GuildID: "g1", Term: term2},
		}
		var kept []news.Watch
		for _, w := range ws {
			if news.WatchTermKey(w.Term) != "" {
				kept = append(kept, w)
			}
		}
		checkHits(t, kept, Doc{Title: extra, Text: text, Affected: []string{extra, text}})
	})
}
