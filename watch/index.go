// Package watch matches new stories against every server's watched terms
// (news.Watch) at once: one Aho-Corasick automaton over all the terms, so
// matching an item costs one pass over its text whatever the number of
// watches.
//
// Matching is what users can predict: case-insensitive (news.FoldRune),
// white space runs are one space ("Ivanti  Connect\nSecure" is "Ivanti
// Connect Secure"), and a term stands on word boundaries: a term that
// starts (ends) with a letter or digit does not match after (before)
// another letter or digit, so "SAP" is not in "SAPPHIRE" nor "CVE-2025-5377"
// in "CVE-2025-53770". A term is never a regular expression.
package watch

import (
	"cmp"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/coregx/ahocorasick"

	"github.com/secbrief/secbrief/news"
)

// Doc is what one story offers to match: its text and what is known of it.
type Doc struct {
	Title string
	Text  string
	// Affected is the summary's affected products, when it is summarized.
	Affected []string
	// KEVProducts are the KEV catalog's vendor and product names for the
	// story's CVEs (e.g. "Microsoft SharePoint").
	KEVProducts []string
	// CVEs are the story's CVE ids.
	CVEs []string
}

// The fields of a Doc, as Hit.Field names them, in the order Match looks
// at them.
const (
	FieldTitle    = "title"
	FieldText     = "text"
	FieldAffected = "affected"
	FieldKEV      = "kev"
	FieldCVE      = "cve"
)

// Hit is one watch that matched a Doc, and where: the first occurrence of
// its term, in field order (title, text, affected, kev, cve), leftmost
// within a field.
type Hit struct {
	Watch news.Watch
	// Field is one of the Field constants; Index is the entry of a list
	// field (Affected, KEVProducts, CVEs) and 0 for the others.
	Field string
	Index int
	// Start and End are the byte offsets of the occurrence in that field's
	// text (or entry): Doc.Title[Start:End] for FieldTitle. The occurrence
	// may differ from the term in case and white space.
	Start, End int
}

// Index is an automaton over the terms of a set of watches. It is read-only
// once built and safe for concurrent use: rebuild it (NewIndex) when the
// watches change.
type Index struct {
	ac *ahocorasick.Automaton // nil without watches
	// terms[i] is the automaton's pattern i.
	terms []term
	size  int
}

// term is one distinct term key and every watch of it, in any guild.
type term struct {
	key                string
	wordStart, wordEnd bool
	watches            []news.Watch
	guilds             map[string]bool
}

// NewIndex builds the index of ws. Watches with the same term (by
// news.WatchTermKey), in any guild or channel, share one pattern; watches
// whose term is empty are left out.
func NewIndex(ws []news.Watch) *Index {
	byKey := map[string]int{}
	x := &Index{}
	for _, w := range ws {
		key := news.WatchTermKey(w.Term)
		if key == "" {
			continue
		}
		i, ok := byKey[key]
		if !ok {
			first, _ := utf8.DecodeRuneInString(key)
			last, _ := utf8.DecodeLastRuneInString(key)
			i = len(x.terms)
			byKey[key] = i
			x.terms = append(x.terms, term{key: key, wordStart: isWord(first), wordEnd: isWord(last), guilds: map[string]bool{}})
		}
		x.terms[i].watches = append(x.terms[i].watches, w)
		x.terms[i].guilds[w.GuildID] = true
		x.size++
	}
	if len(x.terms) == 0 {
		return x
	}
	b := ahocorasick.NewBuilder()
	for _, t := range x.terms {
		b.AddPattern([]byte(t.key))
	}
	ac, err := b.Build()
	if err != nil {
		// Build fails only without patterns or with an empty one, and
		// neither can reach it.
		panic(fmt.Sprintf("watch: build automaton of %d terms: %v", len(x.terms), err))
	}
	x.ac = ac
	return x
}

// Len is the number of watches indexed.
func (x *Index) Len() int { return x.size }

// Terms is the number of distinct terms indexed.
func (x *Index) Terms() int { return len(x.terms) }

// Match returns the hits of guildID's watches in d, one per watch, ordered
// by watch id. Another guild's watches never match.
func (x *Index) Match(guildID string, d Doc) []Hit {
	return x.match(d, guildID)[guildID]
}

// MatchAll returns the hits of every guild's watches in d, by guild id, one
// per watch, each guild's ordered by watch id; nil when none matched.
func (x *Index) MatchAll(d Doc) map[string][]Hit {
	return x.match(d, "")
}

// match finds the first occurrence of each term in d, then turns each term
// found into hits of its watches, grouped by guild. guild, when not empty,
// is the only guild whose watches hit: terms none of its watches use are
// not looked at.
func (x *Index) match(d Doc, guild string) map[string][]Hit {
	if x.ac == nil {
		return nil
	}
	type found struct {
		field      string
		index      int
		start, end int
	}
	first := map[int]found{}
	var f folded
	look := func(field string, index int, s string) {
		if s == "" {
			return
		}
		f.fold(s)
		for _, m := range x.ac.FindAllOverlapping(f.text) {
			if _, seen := first[m.PatternID]; seen {
				// Matches come by end; an earlier start of the same
				// term cannot come later in this field.
				continue
			}
			t := &x.terms[m.PatternID]
			if guild != "" && !t.guilds[guild] {
				continue
			}
			if !bounded(f.text, m.Start, m.End, t.wordStart, t.wordEnd) {
				continue
			}
			start, end := f.span(m.Start, m.End)
			first[m.PatternID] = found{field, index, start, end}
		}
	}
	look(FieldTitle, 0, d.Title)
	look(FieldText, 0, d.Text)
	for i, s := range d.Affected {
		look(FieldAffected, i, s)
	}
	for i, s := range d.KEVProducts {
		look(FieldKEV, i, s)
	}
	for i, s := range d.CVEs {
		look(FieldCVE, i, s)
	}
	if len(first) == 0 {
		return nil
	}
	out := map[string][]Hit{}
	for p, at := range first {
		for _, w := range x.terms[p].watches {
			if guild != "" && w.GuildID != guild {
				continue
			}
			out[w.GuildID] = append(out[w.GuildID], Hit{Watch: w, Field: at.field, Index: at.index, Start: at.start, End: at.end})
		}
	}
	for g, hits := range out {
		slices.SortFunc(hits, func(a, b Hit) int { return cmp.Compare(a.Watch.ID, b.Watch.ID) })
		out[g] = hits
	}
	return out
}
