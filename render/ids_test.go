package render

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// Identifiers in rendered text.
//
// The summarizer replaces every CVE and GHSA id the model invented (it
// grounds them in the article); render must not undo that by making an id
// of its own. Render's sanitizing reveals what a reader sees anyway (an id
// split by a zero-width space, or by a masked link whose URL is dropped,
// reads as the id), so the reference is each input as Sanitize leaves it.
// What render adds after that is layout: truncation, packing of lines,
// "…and N more", splitting an answer into messages, joining fields. None
// of it may turn text into an id that is not in its input, or cut a longer
// id into a shorter one ("CVE-2024-12345" into "CVE-2024-1234…").

// renderedID matches CVE and GHSA ids as the summarizer's grounding reads
// them (summarizer/parse.go cvePattern, summarizer/ground.go ghsaPattern),
// a reader's idea of an id whatever its case or dash, but with at most the
// 19 digits render's cveID accepts: cutting a word of hundreds of digits
// (Truncate does when no better cut keeps half the room) names no id.
var renderedID = regexp.MustCompile(`(?i)\bCVE[\s\-‐‑–—_]?(\d{4})[\s\-‐‑–—_](\d{4,19})\b|` +
	`\b[Gg][Hh][Ss][Aa][\-‐‑–—]([0-9A-Za-z]{4})[\-‐‑–—]([0-9A-Za-z]{4})[\-‐‑–—]([0-9A-Za-z]{4})\b`)

// idsIn adds the normalized ids of text to set.
func idsIn(set map[string]bool, text string) {
	for _, m := range renderedID.FindAllStringSubmatch(text, -1) {
		if m[1] != "" {
			set["CVE-"+m[1]+"-"+m[2]] = true
		} else {
			set["GHSA-"+strings.ToLower(m[3]+"-"+m[4]+"-"+m[5])] = true
		}
	}
}

// inputIDs are the ids of inputs as a reader of render's input sees them:
// sanitized with allowed, on their lines or in one line.
func inputIDs(allowed func(string) bool, inputs ...string) map[string]bool {
	set := map[string]bool{}
	for _, in := range inputs {
		s := Sanitize(in, allowed)
		idsIn(set, s)
		idsIn(set, oneLine(s))
	}
	return set
}

// checkNoNewIDs reports an id on a line of out that is not among known.
func checkNoNewIDs(out string, known map[string]bool) error {
	for line := range strings.Lines(out) {
		got := map[string]bool{}
		idsIn(got, line)
		for id := range got {
			if !known[id] {
				return fmt.Errorf("render made %s, which is in no input, in line %q", id, line)
			}
		}
	}
	return nil
}

// messageText is all text of msg: content, then each embed's text.
func messageText(msg *discordgo.MessageSend) string {
	parts := []string{msg.Content}
	for _, e := range msg.Embeds {
		parts = append(parts, embedText(e))
	}
	return strings.Join(parts, "\n")
}

func TestRenderKeepsIDsWhole(t *testing.T) {
	s := sampleSummary()
	s.TLDR = "Acme fixed CVE-2025-12345 (an unnamed CVE is also named)."
	s.KeyPoints = []string{strings.Repeat("x", 290) + " CVE-2025-123456789", "GHSA-vp9c-fpxx-744v"}
	s.Actions = []string{"Patch an unnamed advisory"}
	allowed := URLsFrom(sampleArticle, s.SourceURL)
	known := inputIDs(allowed, append([]string{s.Title, s.TLDR}, append(s.KeyPoints, s.Actions...)...)...)
	idsIn(known, strings.Join(s.CVEs, " "))
	msg := SummaryMessage(s, sampleArticle, nil)
	if err := checkNoNewIDs(messageText(msg), known); err != nil {
		t.Error(err)
	}
	e := msg.Embeds[0]
	if !strings.Contains(e.Description, "CVE-2025-12345 (an unnamed CVE") {
		t.Errorf("description %q lost the id or the replacement", e.Description)
	}
	if kp := fieldValue(e, "Key points"); !strings.Contains(kp, "GHSA-vp9c-fpxx-744v") || strings.Contains(kp, "CVE-2025-1234…") {
		t.Errorf("key points %q", kp)
	}
}

func TestTruncateKeepsIDsWhole(t *testing.T) {
	long := "https://example.com/" + strings.Repeat("advisories-", 14) + "CVE-2024-12345"
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"id in a long word", long, 186, long[:len(long)-len("12345")] + "…"},
		{"advisory in a long word", "x/" + strings.Repeat("y", 20) + "/GHSA-2222-3333-4444", 40, "x/" + strings.Repeat("y", 20) + "/GHSA-2222-3333-…"},
		// Keeping the run whole would keep less than half the room.
		{"run too long to keep whole", "a-" + strings.Repeat("1", 20), 10, "a-1111111…"},
		{"a lone run is cut inside", "abc", 2, "a…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Truncate(tt.in, tt.max); got != tt.want {
				t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}
