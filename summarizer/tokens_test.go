package summarizer

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/secbrief/secbrief/news"
)

func TestEstimateTokens(t *testing.T) {
	tests := []struct {
		name string
		text string
		want int
	}{
		{"empty", "", 0},
		{"spaces", " \n\t ", 0},
		{"short words", "a an the", 3},
		{"long word", "internationalization", 5},
		{"punctuation", "CVE-2024-3400!", 6}, // CVE - 2024 - 3400 !
		{"accented latin", "déjà vu", 2},
		{"cjk", "漏洞利用", 4},
		{"emoji", "🔥🔥", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EstimateTokens(tt.text); got != tt.want {
				t.Errorf("EstimateTokens(%q) = %d, want %d", tt.text, got, tt.want)
			}
		})
	}
}

// checkSplit asserts split's invariants: every chunk within budget, no
// empty chunk, and no word lost, added or reordered.
func checkSplit(t *testing.T, text string, budget int) []string {
	t.Helper()
	chunks := split(text, budget)
	for i, c := range chunks {
		if n := EstimateTokens(c); n > budget {
			t.Fatalf("chunk %d has %d tokens, budget %d", i, n, budget)
		}
		if strings.TrimSpace(c) == "" {
			t.Fatalf("chunk %d is empty", i)
		}
	}
	if got, want := strings.Fields(strings.Join(chunks, " ")), strings.Fields(text); strings.Join(got, " ") != strings.Join(want, " ") {
		// Words cut by runes are split in two; compare without spaces then.
		if strings.Join(got, "") != strings.Join(want, "") {
			t.Fatalf("split lost or reordered text")
		}
	}
	return chunks
}

func TestSplit(t *testing.T) {
	para := strings.Repeat("word ", 40) // 40 tokens
	tests := []struct {
		name   string
		text   string
		budget int
		chunks int
	}{
		{"fits", "one paragraph.\n\ntwo paragraph.", 100, 1},
		{"paragraphs packed", strings.Repeat(para+"\n\n", 10), 100, 5},
		{"one huge paragraph by sentences", strings.Repeat("This is a sentence. ", 200), 100, 13},
		{"one huge word", strings.Repeat("x", 2000), 100, 6},
		{"crlf", strings.Repeat(para+"\r\n\r\n", 4), 100, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkSplit(t, tt.text, tt.budget); len(got) != tt.chunks {
				t.Errorf("%d chunks, want %d", len(got), tt.chunks)
			}
		})
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("a b c\n\nd e f. g h. i\nj", 5)
	f.Add(strings.Repeat("長い文章です。", 50), 7)
	f.Fuzz(func(t *testing.T, text string, budget int) {
		if !utf8.ValidString(text) || budget < 2 || budget > 10000 {
			t.Skip()
		}
		checkSplit(t, text, budget)
	})
}

func longArticle(paras int) news.Article {
	var b strings.Builder
	for i := range paras {
		fmt.Fprintf(&b, "Paragraph %d: the Acme VPN appliance flaw CVE-2025-0001 lets attackers run code; "+
			"%s\n\n", i, strings.Repeat("more detail about the incident and its impact on customers. ", 8))
	}
	return news.Article{Title: "Acme VPN flaw", URL: "https://example.com/long", Text: b.String()}
}
