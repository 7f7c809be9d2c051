package digest

import (
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

// generic are words of security news that name no particular event: the
// stock words of headlines ("critical flaw", "ransomware attack"), the
// analysts' reports vendors announce ("Gartner Magic Quadrant"), product
// categories that products are named after ("Defender for Endpoint"), agencies
// and countries that appear in many unrelated stories. They are never
// names, however they are capitalized: sharing them links nothing.
var generic = stemmedSet(`attack breach bug campaign critical cyber cyberattack cybersecurity
	data exploit exploitation flaw hack hacker malware patch ransomware rce researcher security threat actor
	update user vulnerability zero day million billion thousand
	gartner magic quadrant forrester wave gigaom radar frost idc leader report award
	fbi cisa nsa doj dhs ncsc europol interpol police government federal agency
	us usa uk eu america american china chinese russia russian iran iranian north korea korean israel israeli
	ukraine ukrainian europe european
	endpoint cloud network identity email mobile server platform enterprise edge firewall gateway browser
	january february march april may june july august september october november december
	monday tuesday wednesday thursday friday saturday sunday`)

// vendors are companies so large, or blogging so much, that their name
// alone says nothing about which story an item is ("Microsoft", "Google"):
// they are never names. Their products (SharePoint, Chrome) are.
var vendors = stemmedSet(`microsoft google alphabet apple amazon aws meta facebook openai
	cisco oracle ibm intel adobe samsung crowdstrike paloalto palo alto networks mandiant
	kaspersky eset sophos trend micro fortinet checkpoint`)

// stemmedSet is the set of the stems of the words in list.
func stemmedSet(list string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(list) {
		m[stem(w)] = true
	}
	return m
}

// commonAcronyms are all-caps words that name no particular thing.
var commonAcronyms = stemmedSet(`rce cve api sql xss dos ddos ceo ciso cto faq new ai llm it ot iot
	vpn mfa 2fa pdf url dns http https ssl tls apt edr xdr mdr siem soc saas gdpr hipaa pii os
	smb tv tvs usd`)

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

// GHSAs returns the distinct GitHub advisory ids (GHSA-xxxx-xxxx-xxxx, any
// case, as whole words) in texts, lowercased as GitHub writes them after
// the prefix, and sorted.
func GHSAs(texts ...string) []string {
	var out []string
	for _, t := range texts {
		for i := 0; i+len("GHSA-xxxx-xxxx-xxxx") <= len(t); i++ {
			if t[i]|0x20 != 'g' || t[i+1]|0x20 != 'h' || t[i+2]|0x20 != 's' || t[i+3]|0x20 != 'a' || t[i+4] != '-' {
				continue
			}
			if i > 0 && isWordByte(t[i-1]) {
				continue
			}
			end := i + len("GHSA-xxxx-xxxx-xxxx")
			if !ghsaBody(t[i+5:end]) || end < len(t) && isWordByte(t[end]) {
				continue
			}
			out = append(out, "GHSA-"+strings.ToLower(t[i+5:end]))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ghsaBody checks "xxxx-xxxx-xxxx" of GitHub's alphabet (digits 2-9 and
// the letters c f g h j m p q r v w x, in any case).
func ghsaBody(s string) bool {
	for k := 0; k < len(s); k++ {
		if k%5 == 4 {
			if s[k] != '-' {
				return false
			}
			continue
		}
		c := s[k] | 0x20
		if !(c >= '2' && c <= '9') && !strings.ContainsRune("cfghjmpqrvwx", rune(c)) {
			return false
		}
	}
	return true
}
