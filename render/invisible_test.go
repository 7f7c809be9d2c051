package render

import "testing"

// What the bot posts loses every character of internal/invisible.
func TestSanitizeStripsEveryInvisibleRange(t *testing.T) {
	for _, rg := range []struct {
		name     string
		from, to rune
	}{
		{"deprecated format characters", 0x206A, 0x206F},
		{"interlinear annotation", 0xFFF9, 0xFFFB},
		{"hangul fillers", 0x3164, 0x3164},
		{"zero width and marks", 0x200B, 0x200F},
		{"bidi overrides", 0x202A, 0x202E},
		{"tag block", 0xE0000, 0xE007F},
		{"controls", 0x01, 0x08},
	} {
		t.Run(rg.name, func(t *testing.T) {
			for r := rg.from; r <= rg.to; r++ {
				if got := Sanitize("Exch"+string(r)+"ange flaw", nil); got != "Exchange flaw" {
					t.Errorf("Sanitize keeps %U: %q", r, got)
				}
			}
		})
	}
}
