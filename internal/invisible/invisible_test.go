package invisible

import "testing"

func TestIs(t *testing.T) {
	tests := []struct {
		name     string
		from, to rune // inclusive
		want     bool
	}{
		{"C0 controls", 0x00, 0x08, true},
		{"tab to carriage return", 0x09, 0x0D, false},
		{"C0 controls after CR", 0x0E, 0x1F, true},
		{"delete", 0x7F, 0x7F, true},
		{"C1 controls before next line", 0x80, 0x84, true},
		{"next line", 0x85, 0x85, false},
		{"C1 controls after next line", 0x86, 0x9F, true},
		{"soft hyphen", 0xAD, 0xAD, true},
		{"combining grapheme joiner", 0x34F, 0x34F, true},
		{"arabic letter mark", 0x61C, 0x61C, true},
		{"hangul choseong filler", 0x115F, 0x115F, true},
		{"hangul jungseong filler", 0x1160, 0x1160, true},
		{"mongolian vowel separator", 0x180E, 0x180E, true},
		{"zero width space to right-to-left mark", 0x200B, 0x200F, true},
		{"bidi embeddings and overrides", 0x202A, 0x202E, true},
		{"word joiner and invisible operators", 0x2060, 0x2064, true},
		{"bidi isolates", 0x2066, 0x2069, true},
		{"deprecated format characters", 0x206A, 0x206F, true},
		{"hangul filler", 0x3164, 0x3164, true},
		{"noncharacters", 0xFDD0, 0xFDEF, true},
		{"byte order mark", 0xFEFF, 0xFEFF, true},
		{"halfwidth hangul filler", 0xFFA0, 0xFFA0, true},
		{"interlinear annotation", 0xFFF9, 0xFFFB, true},
		{"plane end noncharacters", 0xFFFE, 0xFFFF, true},
		{"tag block", 0xE0000, 0xE007F, true},
		{"printable ascii", 0x20, 0x7E, false},
		{"latin-1 letters", 0xC0, 0xFF, false},
		{"no-break space", 0xA0, 0xA0, false},
		{"line and paragraph separators", 0x2028, 0x2029, false},
		{"hangul syllables", 0xAC00, 0xAC10, false},
		{"emoji variation selector", 0xFE0F, 0xFE0F, false},
		{"replacement character", 0xFFFD, 0xFFFD, false},
		{"emoji", 0x1F512, 0x1F512, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for r := tc.from; r <= tc.to; r++ {
				if got := Is(r); got != tc.want {
					t.Errorf("Is(%U) = %v, want %v", r, got, tc.want)
				}
			}
		})
	}
}

func TestStrip(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "CVE-2024-1234 fixed", "CVE-2024-1234 fixed"},
		{"tag block smuggling", "ok\U000E0049\U000E0067\U000E006E\U000E007F done", "ok done"},
		{"zero width", "pass\u200Bword\u200C\u200D\u2060\uFEFF", "password"},
		{"bidi", "\u202Eabc\u202C \u2066x\u2069 \u200E\u200Fy", "abc x y"},
		{"deprecated format", "ig\u206Anore\u206F", "ignore"},
		{"interlinear annotation", "\uFFF9base\uFFFAhidden\uFFFB", "basehidden"},
		{"hangul filler", "a\u3164b", "ab"},
		{"controls", "a\x00b\x1bc\x7f", "abc"},
		{"whitespace kept", "a\tb\nc\r\n", "a\tb\nc\r\n"},
		{"invalid utf8", "a\xffb", "ab"},
		{"keeps accents and emoji", "Māori 🔒 é ❤️", "Māori 🔒 é ❤️"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Strip(tc.in); got != tc.want {
				t.Errorf("Strip(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzStrip(f *testing.F) {
	f.Add("pass\u200Bword \U000E0041 \xff\u206A\uFFF9\u3164 ok")
	f.Fuzz(func(t *testing.T, s string) {
		out := Strip(s)
		for _, r := range out {
			if r == 0xFFFD || Is(r) {
				t.Fatalf("Strip(%q) keeps %U", s, r)
			}
		}
		if Strip(out) != out {
			t.Fatalf("Strip is not idempotent on %q", s)
		}
	})
}
