package summarizer

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
)

// passage is a paragraph-sized piece of one source's text.
type passage struct {
	source, index int
	text          string
	tokens        int
	score         float64
}

// sourcesText renders the sources with as much of their text as fits in
// room tokens. When everything fits it is all sent; otherwise the passages
// that share the most with the question (CVE ids weigh most, then words
// such as product names and versions) are chosen, shown in article order
// with "[…]" where text was skipped.
func sourcesText(q Question, headers []string, room int) string {
	var all []passage
	for i, src := range q.Sources {
		for j, p := range pieces(src.Article.Text, maxPassageTokens) {
			all = append(all, passage{source: i, index: j, text: p, tokens: EstimateTokens(p) + 4}) // + a "[…]" line
		}
	}
	total := 0
	for _, p := range all {
		total += p.tokens
	}
	chosen := all
	if total > room {
		chosen = choose(q, all, room)
	}
	var b strings.Builder
	for i, h := range headers {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(h)
		b.WriteString("Passages:\n")
		prev := -1
		shown := false
		for _, p := range chosen {
			if p.source != i {
				continue
			}
			if p.index != prev+1 {
				b.WriteString("[…]\n")
			}
			b.WriteString(p.text)
			b.WriteString("\n\n")
			prev, shown = p.index, true
		}
		if !shown {
			b.WriteString("[…]\n")
		}
	}
	return strings.TrimSpace(b.String())
}

// choose picks the best-scoring passages within room, returned in source
// and text order.
func choose(q Question, all []passage, room int) []passage {
	terms, cves := questionTerms(q.Text)
	boost := make([]float64, len(q.Sources))
	for i, src := range q.Sources {
		// A source whose summary names the question's CVE or product is
		// likely the one asked about (digest threads hold several).
		about := strings.ToLower(src.Summary.Title + " " + strings.Join(src.Summary.CVEs, " ") + " " +
			strings.Join(src.Summary.Affected, " ") + " " + src.Article.Title)
		for t := range terms {
			if strings.Contains(about, t) {
				boost[i] += 0.5
			}
		}
		for c := range cves {
			if strings.Contains(strings.ToUpper(about), c) {
				boost[i] += 3
			}
		}
	}
	scored := slices.Clone(all)
	for k := range scored {
		p := &scored[k]
		words := wordSet(p.text)
		for t := range terms {
			if words[t] {
				p.score++
			}
		}
		for _, c := range CVEs(p.text) {
			if cves[c] {
				p.score += 5
			}
		}
		p.score += boost[p.source]
		if p.index == 0 {
			p.score += 0.5 // the lead usually says what the article is about
		}
	}
	slices.SortStableFunc(scored, func(a, b passage) int { return cmp.Compare(b.score, a.score) })
	var out []passage
	used := 0
	for _, p := range scored {
		if used+p.tokens <= room {
			out = append(out, p)
			used += p.tokens
		}
	}
	slices.SortFunc(out, func(a, b passage) int {
		return cmp.Or(cmp.Compare(a.source, b.source), cmp.Compare(a.index, b.index))
	})
	return out
}

// stopwords are question words too common to say what is asked about.
var stopwords = map[string]bool{
	"the": true, "and": true, "for": true, "are": true, "was": true, "were": true, "this": true,
	"that": true, "with": true, "does": true, "did": true, "has": true, "have": true, "what": true,
	"which": true, "who": true, "how": true, "when": true, "where": true, "why": true, "there": true,
	"any": true, "can": true, "will": true, "would": true, "should": true, "about": true, "from": true,
	"need": true, "needs": true, "article": true, "is": true, "it": true, "its": true, "be": true,
	"our": true, "you": true, "they": true, "them": true, "not": true, "yet": true, "also": true,
}

// questionTerms returns the question's significant words and its CVE ids.
func questionTerms(text string) (terms, cves map[string]bool) {
	terms, cves = map[string]bool{}, map[string]bool{}
	for w := range wordSet(text) {
		if !stopwords[w] && (len(w) >= 3 || strings.ContainsAny(w, "0123456789")) {
			terms[w] = true
		}
	}
	for _, c := range CVEs(text) {
		cves[c] = true
	}
	return terms, cves
}

// wordSet returns the lower-cased words of text; dots, dashes and
// underscores inside a word are kept so "7.2.1" and "fortios" stay whole.
func wordSet(text string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '.' && r != '-' && r != '_'
	}) {
		if w = strings.Trim(w, ".-_"); w != "" {
			set[w] = true
		}
	}
	return set
}
