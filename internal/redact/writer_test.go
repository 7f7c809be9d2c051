package redact

import (
	"strings"
	"testing"
)

func TestExactMasksOnlyConfiguredSecrets(t *testing.T) {
	r := New("sk-proj-secret-0123456789")
	prose := "Use the sk- prefix; Authorization: Bearer abcdefghijklmnopqrstuvwxyz and /webhooks/123/aW50ZXJhY3Rpb25Ub2tlbg"
	if got := r.Exact(prose); got != prose {
		t.Fatalf("Exact changed prose:\n%s\n%s", got, prose)
	}
	if got := r.Exact("key sk-proj-secret-0123456789."); got != "key "+Mask+"." {
		t.Fatalf("Exact = %q", got)
	}
}

func TestAddLaterAndLongestFirst(t *testing.T) {
	r := New()
	if got := r.String("abcdef-secret"); got != "abcdef-secret" {
		t.Fatalf("nothing configured, got %q", got)
	}
	r.Add("abcdef", "abcdef-secret", "", "short")
	if got := r.Exact("x abcdef-secret y abcdef z short"); got != "x "+Mask+" y "+Mask+" z short" {
		t.Fatalf("Exact = %q", got)
	}
}

// A secret split across writes, at every possible cut, is masked.
func TestWriterMasksSecretsAcrossWrites(t *testing.T) {
	const secret = "sk-proj-secret-0123456789"
	text := "before " + secret + " middle s" + " sk-proj-not-it " + secret
	want := "before " + Mask + " middle s sk-proj-not-it " + Mask
	for cut := 0; cut <= len(text); cut++ {
		for cut2 := cut; cut2 <= len(text); cut2 += 5 {
			var out strings.Builder
			w := New(secret).Writer(&out)
			for _, part := range []string{text[:cut], text[cut:cut2], text[cut2:]} {
				if n, err := w.Write([]byte(part)); err != nil || n != len(part) {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if out.String() != want {
				t.Fatalf("cuts %d,%d: %q, want %q", cut, cut2, out.String(), want)
			}
		}
	}
}
