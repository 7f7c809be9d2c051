package article

import "testing"

// Clean, applied to article text before prompting, strips every character
// of internal/invisible, including those it once missed.
func TestCleanStripsEveryInvisibleRange(t *testing.T) {
	for _, rg := range []struct {
		name     string
		from, to rune
	}{
		{"deprecated format characters", 0x206A, 0x206F},
		{"interlinear annotation", 0xFFF9, 0xFFFB},
		{"hangul filler", 0x3164, 0x3164},
		{"hangul choseong and jungseong fillers", 0x115F, 0x1160},
		{"combining grapheme joiner", 0x034F, 0x034F},
		{"controls", 0x01, 0x08},
		{"zero width and marks", 0x200B, 0x200F},
		{"bidi overrides", 0x202A, 0x202E},
		{"tag block", 0xE0000, 0xE007F},
	} {
		t.Run(rg.name, func(t *testing.T) {
			for r := rg.from; r <= rg.to; r++ {
				if got := Clean("ig" + string(r) + "nore"); got != "ignore" {
					t.Errorf("Clean keeps %U: %q", r, got)
				}
			}
		})
	}
}
