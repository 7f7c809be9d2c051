package feeds

import "testing"

// Feed titles and text lose every character of internal/invisible.
func TestCleanTitleStripsEveryInvisibleRange(t *testing.T) {
	for _, rg := range []struct {
		name     string
		from, to rune
	}{
		{"deprecated format characters", 0x206A, 0x206F},
		{"interlinear annotation", 0xFFF9, 0xFFFB},
		{"hangul fillers", 0x3164, 0x3164},
		{"hangul choseong and jungseong fillers", 0x115F, 0x1160},
		{"combining grapheme joiner", 0x034F, 0x034F},
		{"noncharacters", 0xFDD0, 0xFDEF},
		{"zero width and marks", 0x200B, 0x200F},
		{"tag block", 0xE0000, 0xE007F},
	} {
		t.Run(rg.name, func(t *testing.T) {
			for r := rg.from; r <= rg.to; r++ {
				if got := cleanTitle("Exch" + string(r) + "ange flaw"); got != "Exchange flaw" {
					t.Errorf("cleanTitle keeps %U: %q", r, got)
				}
			}
		})
	}
}
