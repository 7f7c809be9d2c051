package article

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/secbrief/secbrief/internal/invisible"
)

// FuzzExtract feeds arbitrary markup to Parse: it must not panic, and no
// invisible character of Clean's set may survive in any field, and the
// URL is the page's own or a canonical URL on its site.
func FuzzExtract(f *testing.F) {
	f.Add([]byte(page("", "")), "text/html")
	f.Add([]byte(page(`<link rel="canonical" href="https://attacker.test/x">`, "")), "text/html")
	f.Add([]byte(page(`<meta name="author" content="A\u200Bda">`, "pass\u200Bword \U000E0041\U000E0042 <span hidden>x</span> \u202Egnp.exe")), "")
	f.Add([]byte("Title line\u2066\n\n"+bodyParagraph+"\u00AD\uFEFF"), "text/plain")
	f.Add([]byte("<html><body><p>"+bodyParagraph+"\xff\xfe</p>"), "text/html; charset=windows-1252")
	for _, name := range []string{"hidden-nodes", "remove-aria-hidden", "rtl-1", "style-tags-removal"} {
		if src, err := os.ReadFile(filepath.Join(corpusDir, "articles", name, "source.html")); err == nil {
			f.Add(src, "text/html")
		}
	}
	u, _ := url.Parse("https://example.com/a/b")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		a, err := Parse(body, u, contentType)
		if err != nil {
			return
		}
		for field, v := range map[string]string{
			"text": a.Text, "title": a.Title, "byline": a.Byline, "site": a.Site, "language": a.Language,
		} {
			if !utf8.ValidString(v) {
				t.Fatalf("%s is not valid UTF-8: %q", field, v)
			}
			if i := strings.IndexFunc(v, invisible.Is); i >= 0 {
				t.Fatalf("%s keeps invisible %U: %q", field, []rune(v[i:])[0], v)
			}
		}
		if strings.Contains(a.Text, "\n\n\n") || strings.TrimSpace(a.Text) != a.Text {
			t.Fatalf("text not normalized: %q", a.Text)
		}
		if a.URL != u.String() {
			c, err := url.Parse(a.URL)
			if err != nil || !trustCanonical(c, u) {
				t.Fatalf("URL %q is neither the page URL nor on its site", a.URL)
			}
		}
		if err := checkLength(a.Text); err != nil {
			t.Fatalf("returned an article that is too short: %v", err)
		}
	})
}
