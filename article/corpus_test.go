package article

import (
	"encoding/json"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/net/html"
)

const corpusDir = "../../shared/corpus"

// corpusPage is one page of the corpus with Readability.js's expectations.
type corpusPage struct {
	name     string
	source   []byte
	expected string // the text of expected.html
	meta     struct {
		Title *string `json:"title"`
		Lang  *string `json:"lang"`
	}
}

// loadCorpus reads every article of the corpus, or skips.
func loadCorpus(tb testing.TB) []corpusPage {
	tb.Helper()
	dirs, err := os.ReadDir(filepath.Join(corpusDir, "articles"))
	if errors.Is(err, fs.ErrNotExist) {
		tb.Skip("corpus absent:", corpusDir)
	}
	if err != nil {
		tb.Fatal(err)
	}
	var pages []corpusPage
	for _, d := range dirs {
		dir := filepath.Join(corpusDir, "articles", d.Name())
		p := corpusPage{name: d.Name()}
		if p.source, err = os.ReadFile(filepath.Join(dir, "source.html")); err != nil {
			tb.Fatal(err)
		}
		exp, err := os.ReadFile(filepath.Join(dir, "expected.html"))
		if err != nil {
			tb.Fatal(err)
		}
		p.expected = htmlText(tb, string(exp))
		meta, err := os.ReadFile(filepath.Join(dir, "expected-metadata.json"))
		if err != nil {
			tb.Fatal(err)
		}
		if err := json.Unmarshal(meta, &p.meta); err != nil {
			tb.Fatalf("%s: %v", dir, err)
		}
		pages = append(pages, p)
	}
	return pages
}

// htmlText is every text node of an HTML fragment, space separated.
func htmlText(tb testing.TB, s string) string {
	tb.Helper()
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		tb.Fatal(err)
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return b.String()
}

// words splits s into lower-case words of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// similarity returns the recall of the expected words in got (as
// multisets: how much of Readability.js's text we kept) and the precision
// (how much of ours is in theirs).
func similarity(expected, got string) (recall, precision float64) {
	want := map[string]int{}
	ew := words(expected)
	for _, w := range ew {
		want[w]++
	}
	gw := words(got)
	common := 0
	for _, w := range gw {
		if want[w] > 0 {
			want[w]--
			common++
		}
	}
	if len(ew) == 0 || len(gw) == 0 {
		return 0, 0
	}
	return float64(common) / float64(len(ew)), float64(common) / float64(len(gw))
}

func TestExtractCorpus(t *testing.T) {
	pages := loadCorpus(t)
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			u, _ := url.Parse("https://example.com/" + p.name)
			a, err := Parse(p.source, u, "text/html")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			recall, precision := similarity(p.expected, a.Text)
			t.Logf("%-20s recall %.3f precision %.3f words %d title %q", p.name, recall, precision, len(words(a.Text)), a.Title)
		})
	}
}
