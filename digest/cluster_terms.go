package digest

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/secbrief/secbrief/news"
)

// vocab interns the terms of one run as small integers and gathers, per
// term, the evidence of how the run's items write it: a term written
// capitalized in the middle of a sentence, or in camel case or all caps
// (SharePoint, NetNut, SMA), more often than in lower case is a name. The
// vocabulary lives for one call of Cluster: what counts as a name, and how
// rare it is, depends only on the items of that run (one channel's window).
type vocab struct {
	ids    map[string]int32
	terms  []string
	df     []int32 // items whose text holds the term
	named  []int32 // occurrences written as a name
	lower  []int32 // occurrences written in lower case
	banned []bool  // never a name: generic words, big vendors, stopped acronyms
}

func newVocab() *vocab { return &vocab{ids: map[string]int32{}} }

// id returns the id of term, interning it.
func (v *vocab) id(term string) int32 {
	if id, ok := v.ids[term]; ok {
		return id
	}
	id := int32(len(v.terms))
	v.ids[term] = id
	v.terms = append(v.terms, term)
	v.df = append(v.df, 0)
	v.named = append(v.named, 0)
	v.lower = append(v.lower, 0)
	v.banned = append(v.banned, generic[term] || vendors[term] || commonAcronyms[term] || isDigits(term))
	return id
}

// isName reports whether the run writes term as a name.
func (v *vocab) isName(id int32) bool {
	if v.banned[id] {
		return false
	}
	if first, _, ok := strings.Cut(v.terms[id], " "); ok {
		// A "name number" bigram (SMA 100) is a name when its word is.
		fid, ok := v.ids[first]
		return ok && v.isName(fid)
	}
	return v.named[id] > v.lower[id]
}

// wordCase is how one word is written where it stands.
type wordCase uint8

const (
	caseLower   wordCase = iota // written in lower case: evidence against a name
	caseUnknown                 // capitalized where anything is (a sentence start, a Title Case headline)
	caseName                    // capitalized mid-sentence, camel case or all caps
)

// classify returns how w is written; sentenceStart and titleCase say where.
func classify(w string, sentenceStart, titleCase, allCaps bool) wordCase {
	first, size := utf8.DecodeRuneInString(w)
	rest := w[size:]
	upperRest, lowerRest := false, false
	for _, r := range rest {
		upperRest = upperRest || unicode.IsUpper(r)
		lowerRest = lowerRest || unicode.IsLower(r)
	}
	switch {
	case !unicode.IsUpper(first) && !upperRest:
		if unicode.IsLower(first) {
			return caseLower
		}
		return caseUnknown // digits, scripts without case
	case allCaps:
		return caseUnknown // a headline in capitals says nothing
	case upperRest && (lowerRest || unicode.IsLower(first)):
		return caseName // SharePoint, iPhone
	case upperRest && !lowerRest && utf8.RuneCountInString(w) >= 2:
		return caseName // SMA, NPM
	case sentenceStart || titleCase:
		return caseUnknown
	}
	return caseName
}

// textWord is a normalized token with how it was written.
type textWord struct {
	term string
	c    wordCase
}

// words splits s into normalized tokens (as tokens does) with their case,
// and adds a "name number" bigram (SMA 100, Windows 11) after a
// capitalized word followed by a number: versions and models tell
// products apart.
func words(s string, titleCase, allCaps bool) []textWord {
	var out []textWord
	sentenceStart := true
	prevCap := "" // the previous token when capitalized and adjacent
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			switch r {
			case '.', '!', '?', ':', '\n', '|', '"', '“', '[', '(':
				sentenceStart = true
				prevCap = ""
			case ',', ';':
				prevCap = ""
			}
			i += size
			continue
		}
		j := i
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				break
			}
			j += size
		}
		w := s[i:j]
		i = j
		c := classify(w, sentenceStart, titleCase, allCaps)
		sentenceStart = false
		low := strings.ToLower(w)
		if num, unit, ok := splitAmount(low); ok {
			out = append(out, textWord{num, caseUnknown}, textWord{unit, caseUnknown})
			prevCap = ""
			continue
		}
		if isDigits(low) {
			if prevCap != "" {
				out = append(out, textWord{prevCap + " " + low, caseUnknown})
			}
			out = append(out, textWord{low, caseUnknown})
			prevCap = ""
			continue
		}
		if stopwords[low] || utf8.RuneCountInString(low) < 2 {
			prevCap = ""
			continue
		}
		t := stem(low)
		out = append(out, textWord{t, c})
		prevCap = ""
		if first, _ := utf8.DecodeRuneInString(w); unicode.IsUpper(first) {
			prevCap = t
		}
	}
	return out
}

// headlineCase reports whether a title is in Title Case (most longer words
// capitalized) and whether it is all in capitals; in either, a capital
// letter says nothing about a name.
func headlineCase(title string) (titleCase, allCaps bool) {
	long, capital, upper := 0, 0, 0
	for _, w := range strings.FieldsFunc(title, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if utf8.RuneCountInString(w) < 4 || stopwords[strings.ToLower(w)] {
			continue
		}
		long++
		first, _ := utf8.DecodeRuneInString(w)
		if unicode.IsUpper(first) {
			capital++
		}
		if strings.ToUpper(w) == w && strings.ToLower(w) != w {
			upper++
		}
	}
	return long >= 2 && capital*10 >= long*7, long >= 2 && upper*10 >= long*8
}

// publisherTerms are the words of an outlet's name that name it
// (crowdstrike in "crowdstrike.com Blog"), for telling a vendor's post
// about itself apart.
func publisherTerms(feedTitle string) []string {
	var out []string
	for _, t := range tokens(feedTitle) {
		if !outletWords[t] && !generic[t] && !isDigits(t) {
			out = append(out, t)
		}
	}
	return out
}

// outletWords are the words of feed titles that do not name the outlet.
var outletWords = map[string]bool{"blog": true, "com": true, "net": true, "org": true, "news": true,
	"www": true, "feed": true, "rss": true, "official": true, "latest": true, "post": true, "io": true}

// itemText is what clustering reads of an item: its title and the first
// part of its content (the whole of what a teaser-only feed carries).
func itemText(it news.Item) (title, lead string) {
	return it.Title, leadText(it.Content, leadRunes)
}
