package summarizer

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestGround(t *testing.T) {
	const source = "Fixes CVE-2024-3400, cve‑2023‑44487 and GHSA-vp9c-fpxx-744v (see CVE 2025 123456)."
	tests := []struct {
		name, text, want string
		replaced         int
	}{
		{"no ids", "Patch now.", "Patch now.", 0},
		{"known ids kept as written", "CVE-2024-3400 and ghsa-VP9C-fpxx-744v", "CVE-2024-3400 and ghsa-VP9C-fpxx-744v", 0},
		{"known in another form", "cve 2023 44487, CVE_2025_123456, CVE-2023–44487", "cve 2023 44487, CVE_2025_123456, CVE-2023–44487", 0},
		{"invented cve", "Patch CVE-2099-1234 now.", "Patch an unnamed CVE now.", 1},
		{"invented lower case", "see cve-2099-99999.", "see an unnamed CVE.", 1},
		{"invented long sequence", "x CVE-2024-12345678", "x " + unnamedCVE, 1},
		{"prefix of a known id", "x CVE-2025-12345", "x " + unnamedCVE, 1},
		{"known id plus a digit", "x CVE-2024-34001", "x " + unnamedCVE, 1},
		{"invented advisory", "Read GHSA-aaaa-bbbb-cccc.", "Read an unnamed advisory.", 1},
		{"advisory in a URL", "https://github.com/advisories/GHSA-2222-3333-4444/", "https://github.com/advisories/an unnamed advisory/", 1},
		{"article before the id", "Patch the CVE-2099-1111 flaw", "Patch an unnamed CVE flaw", 1},
		{"capital article before the id", "The CVE-2099-1111 flaw. A GHSA-aaaa-bbbb-cccc fix.", "An unnamed CVE flaw. An unnamed advisory fix.", 2},
		{"sentence start", "CVE-2099-1111 is critical. GHSA-aaaa-bbbb-cccc too.\nCVE-2099-2222 also", "An unnamed CVE is critical. An unnamed advisory too.\nAn unnamed CVE also", 3},
		{"other words before the id stay", "theme CVE-2099-1111 and a-CVE-2099-2222", "theme an unnamed CVE and a-an unnamed CVE", 2},
		{"several", "CVE-2099-0001, CVE-2024-3400 and CVE-2099-0002", "An unnamed CVE, CVE-2024-3400 and an unnamed CVE", 2},
		{"not ids", "CVE-2099, CVE-99-1234, xCVE-2099-1234, CVE-2099-1234x, GHSA-aaa-bbbb-cccc", "CVE-2099, CVE-99-1234, xCVE-2099-1234, CVE-2099-1234x, GHSA-aaa-bbbb-cccc", 0},
		// The replacement's "CVE" completes the id that follows it; that one
		// is replaced too.
		{"replacement completes an id", "CVE CVE-2099-1111 2098 5678", "CVE an unnamed an unnamed CVE", 2},
		{"replacement completes a known id", "CVE-2099-1111 2024 3400", "An unnamed CVE 2024 3400", 1},
		// Case folding must not let U+017F pass for an "s".
		{"long s is no advisory", "GHſA-aaaa-bbbb-cccc", "GHſA-aaaa-bbbb-cccc", 0},
	}
	known := knownIDs(source)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n := known.ground(tt.text)
			if got != tt.want || n != tt.replaced {
				t.Errorf("ground(%q) = %q, %d; want %q, %d", tt.text, got, n, tt.want, tt.replaced)
			}
		})
	}
}

func TestKnownIDs(t *testing.T) {
	got := knownIDs("CVE-2024-3400 and cve 2023 44487", "ghsa-VP9C-fpxx-744v; GHSA-vp9c-fpxx-744v")
	for _, id := range []string{"CVE-2024-3400", "CVE-2023-44487", "GHSA-vp9c-fpxx-744v"} {
		if !got[id] {
			t.Errorf("%s not known", id)
		}
	}
	if len(got) != 3 {
		t.Errorf("known = %v, want 3 ids", got)
	}
}

func TestClipKeepsWordsWhole(t *testing.T) {
	tests := []struct {
		name, s string
		n       int
		want    string
	}{
		{"fits", "CVE-2024-12345", 14, "CVE-2024-12345"},
		{"cut before the word", "Patch CVE-2024-12345", 18, "Patch CVE-2024-…"},
		{"cut between words", "aaaa bbbb cccc", 10, "aaaa bbbb…"},
		// A word longer than half the room is cut inside.
		{"overlong word", strings.Repeat("x", 30), 10, strings.Repeat("x", 9) + "…"},
		{"non-ASCII text cut anywhere", strings.Repeat("é", 20), 10, strings.Repeat("é", 9) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := clip(tt.s, tt.n); got != tt.want {
				t.Errorf("clip(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
			}
		})
	}
}

func TestGrounderClip(t *testing.T) {
	known := knownIDs("CVE-2024-12345 and CVE-2024-1234")
	tests := []struct {
		name, s string
		n       int
		want    string
	}{
		{"known id near the cut", "Patch CVE-2024-12345 today", 20, "Patch CVE-2024-…"},
		{"replacement longer than the id", "CVE-2099-9999", 14, "An unnamed CVE"},
		// Whole, this word is no id (no word end after the digits); cut
		// inside, "CVE_2024_1…1…" would name one.
		{"cut id in an overlong word", "CVE_2024_" + strings.Repeat("1", 40) + "x", 30, "An unnamed CVE…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &grounder{known: known}
			got := g.clip(tt.s, tt.n)
			if got != tt.want {
				t.Errorf("clip(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
			}
			if utf8.RuneCountInString(got) > tt.n {
				t.Errorf("%q is longer than %d runes", got, tt.n)
			}
		})
	}
}

// FuzzGround: every CVE and GHSA id left in grounded text is one the source
// names, and text whose ids all come from the source is left alone.
func FuzzGround(f *testing.F) {
	f.Add("Patch CVE-2099-1234 and GHSA-aaaa-bbbb-cccc now.", "CVE-2024-3400")
	f.Add("CVE CVE-2099-1111 2024 3400", "CVE-2024-3400")
	f.Add("cve 2024 3400, CVE_2024_3400, ghsa-2222-3333-4444", "CVE-2024-3400 GHSA-2222-3333-4444")
	f.Add("CVE-2024-34001 CVE-2024-340", "CVE-2024-3400")
	f.Fuzz(func(t *testing.T, text, source string) {
		known := knownIDs(source)
		got, n := known.ground(text)
		checkGrounded(t, got, known)
		if n == 0 && got != text {
			t.Fatalf("nothing replaced, but %q became %q", text, got)
		}
		if again, m := known.ground(got); m != 0 || again != got {
			t.Fatalf("grounding %q again replaced %d ids", got, m)
		}
		if g := knownIDs(text); allKnown(g, known) && got != text {
			t.Fatalf("every id of %q is in the source, yet it became %q", text, got)
		}
	})
}

// checkGrounded fails t when text names a CVE or GHSA id that known lacks.
func checkGrounded(t *testing.T, text string, known idSet) {
	t.Helper()
	for id := range knownIDs(text) {
		if !known[id] {
			t.Fatalf("%s in %q is not in the source", id, text)
		}
	}
}

// allKnown reports whether every id of ids is in known.
func allKnown(ids, known idSet) bool {
	for id := range ids {
		if !known[id] {
			return false
		}
	}
	return true
}
