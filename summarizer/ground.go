package summarizer

import (
	"regexp"
	"strings"
)

// Grounding identifiers in what the model wrote.
//
// A CVE or GHSA id in text the model wrote (a summary's title, TL;DR, key
// points, affected products and actions; an answer) is kept only when its
// sources name it: the article text for a summary (the whole text, also
// when it was summarized from notes on its parts); for an answer, the
// thread's articles and summaries and the member's questions. Any other id
// is invented and is replaced, word for word, by "an unnamed CVE" or "an
// unnamed advisory". The phrase stands where the id stood, takes the place
// of an article before it and is capitalized at a sentence's start; nothing
// else is reworded: "Patch CVE-2099-1 now" reads "Patch an unnamed CVE
// now", "the CVE-2099-1 flaw" reads "an unnamed CVE flaw" and "CVE-2099-1
// is critical." reads "An unnamed CVE is critical.": predictable, and
// never a wrong id. Ids are
// compared normalized: CVE ids as cvePattern reads them (any case, dash
// variants), GHSA ids in any case. Only the model's words are grounded:
// the cves list is filtered by keepCVEs, the fields fill sets come from
// the article's metadata, and text from authoritative sources
// (vulnerability data) is not the model's.

// The replacements of invented ids.
const (
	unnamedCVE      = "an unnamed CVE"
	unnamedAdvisory = "an unnamed advisory"
)

// ghsaPattern matches GitHub advisory ids, GHSA-xxxx-xxxx-xxxx, in any case
// and with the dash variants cvePattern accepts. Any letter or digit counts
// (GitHub uses a smaller alphabet), so a made-up id in the wrong alphabet is
// still caught. Case is spelt out rather than (?i): Go's case folding would
// let "ſ" (U+017F) stand for "s".
var ghsaPattern = regexp.MustCompile(`\b[Gg][Hh][Ss][Aa][\-‐‑–—]([0-9A-Za-z]{4})[\-‐‑–—]([0-9A-Za-z]{4})[\-‐‑–—]([0-9A-Za-z]{4})\b`)

// idSet holds normalized CVE and GHSA ids.
type idSet map[string]bool

// knownIDs returns the CVE and GHSA ids named in texts.
func knownIDs(texts ...string) idSet {
	known := idSet{}
	for _, t := range texts {
		for _, m := range cvePattern.FindAllStringSubmatch(t, -1) {
			known[cveKey(m)] = true
		}
		for _, m := range ghsaPattern.FindAllStringSubmatch(t, -1) {
			known[ghsaKey(m)] = true
		}
	}
	return known
}

// cveKey and ghsaKey normalize the submatches of cvePattern and ghsaPattern.
func cveKey(m []string) string { return "CVE-" + m[1] + "-" + m[2] }
func ghsaKey(m []string) string {
	return "GHSA-" + strings.ToLower(m[1]+"-"+m[2]+"-"+m[3])
}

// ground returns text with every CVE and GHSA id that known lacks replaced
// by unnamedCVE or unnamedAdvisory, and how many it replaced.
func (known idSet) ground(text string) (string, int) {
	replaced := 0
	replace := func(p *regexp.Regexp, key func([]string) string, phrase string) {
		text = p.ReplaceAllStringFunc(text, func(id string) string {
			if known[key(p.FindStringSubmatch(id))] {
				return id
			}
			replaced++
			return phrase
		})
	}
	// "CVE 2024 1" + "an unnamed CVE" + " 2024 5678" reads as a new id:
	// repeat until a pass replaces nothing. That ends: a pass that
	// replaces a CVE id removes at least 8 digits and adds none, and
	// unnamedAdvisory can complete no id.
	for {
		before := replaced
		replace(cvePattern, cveKey, unnamedCVE)
		replace(ghsaPattern, ghsaKey, unnamedAdvisory)
		if replaced == before {
			if replaced > 0 {
				text = tidyReplacements(text)
			}
			return text, replaced
		}
	}
}

// determinedPhrase is a replacement behind an article of the sentence's
// own ("the CVE-2099-1 flaw" became "the an unnamed CVE flaw").
var determinedPhrase = regexp.MustCompile(`\b([Tt]he|[Aa]n?) (an unnamed (?:CVE|advisory))\b`)

// leadingPhrase is a replacement that begins the text or a sentence.
var leadingPhrase = regexp.MustCompile(`(^|[.!?:]\s+|\n\s*)an unnamed (CVE|advisory)\b`)

// tidyReplacements keeps the sentences around replacements readable: the
// phrase takes the place of an article that stood before the id ("the an
// unnamed CVE" reads "an unnamed CVE", "The an unnamed CVE" reads "An
// unnamed CVE"), and starts with a capital where it starts a sentence.
// It touches nothing but the phrase and the article before it.
func tidyReplacements(text string) string {
	text = determinedPhrase.ReplaceAllStringFunc(text, func(m string) string {
		sub := determinedPhrase.FindStringSubmatch(m)
		if sub[1][0] == 'T' || sub[1][0] == 'A' {
			return "A" + sub[2][1:]
		}
		return sub[2]
	})
	return leadingPhrase.ReplaceAllString(text, "${1}An unnamed ${2}")
}

// grounder grounds the strings of one model reply and counts what it
// replaced.
type grounder struct {
	known    idSet
	replaced int
}

// clip is the package's clip with invented ids replaced: ids are grounded
// in the whole string, which is then clipped to n runes, and grounded once
// more because a cut inside an overlong word (clip keeps ordinary words
// whole) can leave a shorter id behind. That second pass only shortens:
// such an id is longer than the replacement.
func (g *grounder) clip(s string, n int) string {
	s, k := g.known.ground(strings.Join(strings.Fields(s), " "))
	g.replaced += k
	s, k = g.known.ground(clip(s, n))
	g.replaced += k
	return s
}
