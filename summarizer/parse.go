package summarizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/secbrief/secbrief/news"
)

// Limits applied to a parsed summary: longer lists and strings are cut
// (strings by runes, with an ellipsis) so one runaway reply cannot flood a
// message.
const (
	maxTitleRunes = 200
	maxTLDRRunes  = 700
	maxItemRunes  = 300
	maxKeyPoints  = 8
	maxCVEs       = 25
	maxAffected   = 15
	maxActions    = 8
)

// wireSummary is the JSON object the model writes. Unknown keys are
// ignored (models add "summary" or "notes" now and then; harmless), but the
// keys below are decoded strictly.
type wireSummary struct {
	Title     *string    `json:"title"`
	TLDR      *string    `json:"tldr"`
	KeyPoints stringList `json:"key_points"`
	Severity  *string    `json:"severity"`
	CVEs      stringList `json:"cves"`
	Affected  stringList `json:"affected"`
	Actions   stringList `json:"actions"`
}

// stringList accepts a JSON array of strings, null, or a single string
// (a one-item list); anything else is an error.
type stringList struct {
	items   []string
	present bool
}

func (l *stringList) UnmarshalJSON(b []byte) error {
	l.present = true
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		l.items = []string{s}
		return nil
	}
	return json.Unmarshal(b, &l.items)
}

// codeFence matches a reply wrapped in a markdown code block, which some
// OpenAI-compatible servers produce despite response_format.
var codeFence = regexp.MustCompile("(?s)^```[a-zA-Z]*\\s*\\n(.*?)\\n?```$")

// parseSummary is decodeSummary with one log line when the model named
// ids its article does not (see ground.go).
func (s *Summarizer) parseSummary(reply, articleText string) (news.Summary, error) {
	sum, invented, err := decodeSummary(reply, articleText)
	if err == nil && invented > 0 {
		s.log.Warn("summary named ids absent from the article, replaced",
			"purpose", "summary", "invented_ids", invented)
	}
	return sum, err
}

// decodeSummary validates a model reply against the schema and article
// text: required keys present (title, tldr, key_points, severity), a known
// severity, strings trimmed, lists de-duplicated and capped, CVE ids
// normalized and dropped unless the article text names them, and CVE and
// GHSA ids in the text fields grounded in the article text (ground.go).
// It returns how many ids it replaced in the text fields.
func decodeSummary(reply, articleText string) (news.Summary, int, error) {
	reply = strings.TrimSpace(reply)
	if m := codeFence.FindStringSubmatch(reply); m != nil {
		reply = strings.TrimSpace(m[1])
	}
	if reply == "" {
		return news.Summary{}, 0, errors.New("empty reply")
	}
	dec := json.NewDecoder(strings.NewReader(reply))
	var w wireSummary
	if err := dec.Decode(&w); err != nil {
		return news.Summary{}, 0, fmt.Errorf("not a JSON object of the schema: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return news.Summary{}, 0, errors.New("text after the JSON object")
	}
	var missing []string
	for _, k := range []struct {
		name string
		ok   bool
	}{
		{"title", w.Title != nil}, {"tldr", w.TLDR != nil},
		{"key_points", w.KeyPoints.present}, {"severity", w.Severity != nil},
	} {
		if !k.ok {
			missing = append(missing, k.name)
		}
	}
	if len(missing) > 0 {
		return news.Summary{}, 0, fmt.Errorf("missing keys: %s", strings.Join(missing, ", "))
	}
	sev, err := news.ParseSeverity(*w.Severity)
	if err != nil {
		return news.Summary{}, 0, err
	}
	g := &grounder{known: knownIDs(articleText)}
	s := news.Summary{
		Title:     g.clip(*w.Title, maxTitleRunes),
		TLDR:      g.clip(*w.TLDR, maxTLDRRunes),
		KeyPoints: g.cleanList(w.KeyPoints.items, maxKeyPoints),
		Severity:  sev,
		CVEs:      keepCVEs(w.CVEs.items, articleText),
		Affected:  g.cleanList(w.Affected.items, maxAffected),
		Actions:   g.cleanList(w.Actions.items, maxActions),
	}
	if s.Title == "" {
		return news.Summary{}, 0, errors.New("empty title")
	}
	if s.TLDR == "" {
		return news.Summary{}, 0, errors.New("empty tldr")
	}
	return s, g.replaced, nil
}

// clip collapses whitespace and cuts s to n runes, ending in "…" when cut.
// The cut goes before an ASCII word it would split when that keeps at
// least half of s's room: cut inside, "CVE-2024-12345" would name
// CVE-2024-1234.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := n - 1
	if start := wordStart(r, cut); start > 0 && start >= cut/2 {
		cut = start
	}
	return strings.TrimSpace(string(r[:cut])) + "…"
}

// wordStart is where the ASCII word (letters, digits, "_") that a cut at
// i would split starts, or i when the cut splits none.
func wordStart(r []rune, i int) int {
	if i == 0 || i >= len(r) || !asciiWord(r[i]) {
		return i
	}
	for i > 0 && asciiWord(r[i-1]) {
		i--
	}
	return i
}

// asciiWord reports the runes regexp's \b counts as word characters.
func asciiWord(c rune) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// cleanList trims and grounds items, drops empty and case-insensitive
// duplicate ones (grounding can make two alike), and keeps at most n. It
// never returns nil.
func (g *grounder) cleanList(items []string, n int) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, it := range items {
		it = g.clip(it, maxItemRunes)
		k := strings.ToLower(it)
		if it == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, it)
		if len(out) == n {
			break
		}
	}
	return out
}

// cvePattern matches CVE ids, tolerating lower case and the dash variants
// and spaces that appear in prose and model output. The sequence number
// has no upper bound: an invented eight-digit id must be caught too.
var cvePattern = regexp.MustCompile(`(?i)\bCVE[\s\-‐‑–—_]?(\d{4})[\s\-‐‑–—_](\d{4,})\b`)

// CVEs returns the distinct CVE ids named in text, normalized, in order of
// first appearance.
func CVEs(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range cvePattern.FindAllStringSubmatch(text, -1) {
		id := "CVE-" + m[1] + "-" + m[2]
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// keepCVEs normalizes the model's CVE ids and keeps those that occur in the
// article text; invented ids and non-ids are dropped.
func keepCVEs(ids []string, articleText string) []string {
	inText := map[string]bool{}
	for _, id := range CVEs(articleText) {
		inText[id] = true
	}
	out := []string{}
	seen := map[string]bool{}
	for _, item := range ids {
		// An item may carry words around the id ("CVE-2024-1 (Foo)").
		for _, id := range CVEs(item) {
			if !inText[id] || seen[id] || len(out) == maxCVEs {
				continue
			}
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
