package render

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTruncate(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"short stays", "hello world", 20, "hello world"},
		{"limit exact", "hello world", 11, "hello world"},
		{"one over cuts on the word boundary", "hello world", 10, "hello…"},
		{"space right at the cut", "hello world again", 6, "hello…"},
		{"long word cut inside", "abcdefghijklmnop", 5, "abcd…"},
		{"boundary too early cuts inside the word", "a bcdefghijklmnopqrstuvwxyz", 10, "a bcdefgh…"},
		{"trailing comma dropped", "one, two, three", 10, "one, two…"},
		{"multi-byte runes counted as runes", "äöü äöü äöü", 8, "äöü äöü…"},
		{"cjk without spaces", "安全漏洞安全漏洞", 5, "安全漏洞…"},
		{"emoji not split", "🔴🔴🔴🔴🔴", 3, "🔴🔴…"},
		{"max one", "hello", 1, "…"},
		{"max zero", "hello", 0, ""},
		{"negative max", "hello", -3, ""},
		{"empty", "", 5, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Truncate(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > max(tt.max, 0) {
				t.Errorf("result has %d runes, max %d", n, tt.max)
			}
			if !utf8.ValidString(got) {
				t.Errorf("result is not valid UTF-8: %q", got)
			}
		})
	}
}

func TestThreadName(t *testing.T) {
	long := strings.Repeat("word ", 40)
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Acme VPN flaw", "Acme VPN flaw"},
		{"newlines become spaces", "Acme\nVPN\r\n\tflaw", "Acme VPN flaw"},
		{"empty falls back", "", "Discussion"},
		{"blank falls back", " \n\t", "Discussion"},
		{"invisible only falls back", "\u200b\u202e\u2060", "Discussion"},
		{"long cut on a word", long, strings.TrimSpace(long[:99]) + "…"},
		{"control characters removed", "Acme\x1b[31m flaw", "Acme[31m flaw"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ThreadName(tt.in)
			if got != tt.want {
				t.Errorf("ThreadName(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n < 1 || n > MaxThreadName || strings.ContainsAny(got, "\r\n") {
				t.Errorf("ThreadName(%q) = %q: %d runes or a newline", tt.in, got, n)
			}
		})
	}
}
