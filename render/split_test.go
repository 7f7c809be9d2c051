package render

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want []string
	}{
		{"fits", "one\n\ntwo", 20, []string{"one\n\ntwo"}},
		{"empty", " \n ", 10, nil},
		{"paragraphs packed", "aaa\n\nbbb\n\nccc", 8, []string{"aaa\n\nbbb", "ccc"}},
		{"blank line with spaces separates", "aaa\n  \nbbb", 3, []string{"aaa", "bbb"}},
		{"long paragraph cut at lines", "aaa\nbbb\nccc\n\nd", 7, []string{"aaa\nbbb", "ccc\n\nd"}},
		{"long line cut at words", "aa bb cc dd", 5, []string{"aa bb", "cc dd"}},
		{"long word cut at runes", "abcdefgh", 3, []string{"abc", "def", "gh"}},
		{"runes not bytes", "ääää", 2, []string{"ää", "ää"}},
		{"limit below one counts as one", "ab", 0, []string{"a", "b"}},
		{"crlf", "aaa\r\n\r\nbbb", 3, []string{"aaa", "bbb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Split(tt.in, tt.max)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("Split(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
			if err := splitInvariants(tt.in, tt.max, got); err != nil {
				t.Error(err)
			}
		})
	}
}

// splitInvariants checks that every part is non-blank and within limit
// runes and that the parts hold every non-space rune of text, in order.
func splitInvariants(text string, limit int, parts []string) error {
	limit = max(limit, 1)
	for i, p := range parts {
		if n := utf8.RuneCountInString(p); n > limit || strings.TrimSpace(p) == "" {
			return fmt.Errorf("part %d is blank or has %d runes, limit %d: %q", i, n, limit, p)
		}
	}
	noSpace := func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, s)
	}
	if got, want := noSpace(strings.Join(parts, "")), noSpace(strings.ToValidUTF8(text, "\uFFFD")); got != want {
		return fmt.Errorf("parts lost or changed text:\n got %q\nwant %q", got, want)
	}
	return nil
}

func TestSplitLongAnswerKeepsParagraphs(t *testing.T) {
	para := strings.TrimSpace(strings.Repeat("The patch fixes the flaw. ", 30)) // ~780 runes
	text := strings.Join([]string{para, para, para, para}, "\n\n")
	parts := Split(text, MaxContent)
	if len(parts) != 2 {
		t.Fatalf("got %d parts, want 2", len(parts))
	}
	for _, p := range parts {
		if strings.Count(p, para) != 2 {
			t.Errorf("part does not hold two whole paragraphs: %q", p)
		}
	}
}

func TestAnswer(t *testing.T) {
	text := strings.Repeat("Versions 9.1.3 and older are affected @everyone <@&123>; see [fix](https://evil.example). ", 60)
	parts := Answer(text, URLsFrom(sampleArticle))
	if len(parts) < 2 {
		t.Fatalf("got %d parts, want the ~5400 runes split in several", len(parts))
	}
	for i, p := range parts {
		if n := utf8.RuneCountInString(p); n > MaxContent {
			t.Errorf("part %d has %d runes", i, n)
		}
		if err := CheckTextSafe(p); err != nil {
			t.Errorf("part %d: %v", i, err)
		}
		if strings.Contains(p, "evil.example") {
			t.Errorf("part %d keeps a URL not in the article", i)
		}
	}
	if got := Answer(" \u200b ", nil); got != nil {
		t.Errorf("blank answer gave %q", got)
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("one\n\ntwo\nthree four", 5)
	f.Add("ääää bbbb\r\n\r\n  cccc", 3)
	f.Add(strings.Repeat("word ", 100), 17)
	f.Add("\xff\xfe abc", 1)
	f.Fuzz(func(t *testing.T, text string, limit int) {
		limit %= 3000 // keep runs short; negative and zero limits included
		parts := Split(text, limit)
		if err := splitInvariants(text, limit, parts); err != nil {
			t.Fatal(err)
		}
	})
}

func BenchmarkSplit(b *testing.B) {
	text := strings.Repeat(strings.Repeat("The patch fixes the flaw in the gateway. ", 20)+"\n\n", 20)
	b.ReportAllocs()
	for b.Loop() {
		Split(text, MaxContent)
	}
}
