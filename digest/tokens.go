package digest

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CVEs returns the distinct CVE ids (CVE-YYYY-NNNN…, any case, as whole
// words) in texts, uppercased and sorted.
func CVEs(texts ...string) []string {
	seen := map[string]bool{}
	for _, t := range texts {
		for i := 0; i+len("CVE-0000-0000") <= len(t); i++ {
			if t[i]|0x20 != 'c' || t[i+1]|0x20 != 'v' || t[i+2]|0x20 != 'e' || t[i+3] != '-' {
				continue
			}
			if i > 0 && isWordByte(t[i-1]) {
				continue
			}
			if id, ok := cveAt(t[i+4:]); ok {
				seen["CVE-"+id] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// cveAt parses "YYYY-NNNN…" at the start of s, followed by a word end.
func cveAt(s string) (string, bool) {
	n := 0
	for n < len(s) && n < 4 && isDigitByte(s[n]) {
		n++
	}
	if n != 4 || len(s) < 6 || s[4] != '-' {
		return "", false
	}
	m := 5
	for m < len(s) && isDigitByte(s[m]) {
		m++
	}
	if m-5 < 4 || (m < len(s) && isWordByte(s[m])) {
		return "", false
	}
	return s[:m], true
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

// isWordByte is regexp's \w: ASCII letters, digits and underscore.
func isWordByte(c byte) bool {
	return isDigitByte(c) || c|0x20 >= 'a' && c|0x20 <= 'z' || c == '_'
}

// stopwords are English function words and the stock verbs of headlines
// that say nothing about which story it is.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about after against all also an and any are as at be been before
		but by can could did do does for from had has have he her his how if in into is it its just
		may more most new no not now of on or our out over says say said she so some than that the
		their them then there these they this those to too up us was we were what when where which
		while who why will with would you your via amid per vs warns urges report reports`) {
		m[w] = true
	}
	return m
}()

// generic are words of security news that occur in every other headline
// ("critical flaw", "ransomware attack"): they count in similarity, but at
// genericWeight of their IDF, because they do not tell stories apart.
var generic = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`attack breach bug campaign critical cyber cyberattack cybersecurity
		data exploit flaw hack hacker malware patch ransomware rce researcher security threat actor
		update user vulnerability zero day million billion`) {
		m[stem(w)] = true
	}
	return m
}()

// genericWeight scales the IDF of generic words.
const genericWeight = 0.3

// acronymPattern finds all-caps words of three to six letters in a title,
// which usually name a product, a standard or an organisation.
var acronymPattern = regexp.MustCompile(`\b[A-Z]{3,6}\b`)

// commonAcronyms are all-caps words that name no particular thing.
var commonAcronyms = map[string]bool{"rce": true, "cve": true, "api": true, "sql": true, "xss": true,
	"dos": true, "ddos": true, "ceo": true, "ciso": true, "usa": true, "faq": true, "new": true}

// acronyms returns the distinct acronyms of a title, lowercased and
// stemmed like tokens, leaving out commonAcronyms.
func acronyms(title string) []string {
	var out []string
	for _, m := range acronymPattern.FindAllString(title, -1) {
		w := stem(strings.ToLower(m))
		if !commonAcronyms[w] && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// tokens returns the normalized word tokens of s: lowercased, split at
// anything not a letter or digit, stopwords dropped, lightly stemmed.
// Money amounts like "$380M" become "380" and "million", so they match
// "$380 Million".
func tokens(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if num, unit, ok := splitAmount(w); ok {
			out = append(out, num, unit)
			continue
		}
		if stopwords[w] || utf8.RuneCountInString(w) < 2 && !isDigits(w) {
			continue
		}
		out = append(out, stem(w))
	}
	return out
}

// splitAmount splits "380m" into "380", "million" (and b, k likewise).
func splitAmount(w string) (num, unit string, ok bool) {
	if len(w) < 2 || !isDigits(w[:len(w)-1]) {
		return "", "", false
	}
	switch w[len(w)-1] {
	case 'm':
		return w[:len(w)-1], "million", true
	case 'b':
		return w[:len(w)-1], "billion", true
	case 'k':
		return w[:len(w)-1], "thousand", true
	}
	return "", "", false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// suffixes are stripped by stem, longest first; a stem keeps at least
// four letters so short words stay whole.
var suffixes = []string{"ations", "ation", "ities", "ity", "ments", "ment", "ingly", "ings", "ing",
	"ies", "ers", "ed", "es", "er", "ly", "s"}

// stem is a deliberately light stemmer: it strips one common English
// suffix so "exploited", "exploits" and "exploitation" meet at "exploit".
func stem(w string) string {
	if isDigits(w) || !isASCII(w) {
		return w
	}
	for _, suf := range suffixes {
		if !strings.HasSuffix(w, suf) || len(w)-len(suf) < 4 {
			continue
		}
		if suf == "es" && !strings.HasSuffix(w, "ses") && !strings.HasSuffix(w, "xes") &&
			!strings.HasSuffix(w, "ches") && !strings.HasSuffix(w, "shes") {
			continue // "updates" loses only its "s"
		}
		w = strings.TrimSuffix(w, suf)
		if suf == "ies" {
			w += "y"
		}
		break
	}
	if len(w) > 4 && strings.HasSuffix(w, "e") {
		w = w[:len(w)-1] // "update" meets "updated"
	}
	return w
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// leadText is the beginning of an item's content: its first sentences, up
// to about maxRunes runes, cut at a sentence end when one is near.
func leadText(content string, maxRunes int) string {
	if limit := 8 * maxRunes; len(content) > limit {
		content = content[:limit] // bytes; the rune cut below is exact
	}
	content = strings.Join(strings.Fields(strings.ToValidUTF8(content, "")), " ")
	if utf8.RuneCountInString(content) <= maxRunes {
		return content
	}
	cut := 0
	for i := range content {
		if cut >= maxRunes {
			content = content[:i]
			break
		}
		cut++
	}
	if i := strings.LastIndexAny(content, ".!?"); i > len(content)/2 {
		content = content[:i+1]
	}
	return content
}
