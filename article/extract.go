package article

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	readability "codeberg.org/readeck/go-readability/v2"
	"codeberg.org/readeck/go-readability/v2/render"
	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"

	"github.com/secbrief/secbrief/news"
)

// The least readable text that counts as an article. A cookie banner or a
// login wall stays under it; the shortest real page of the test corpus
// (232 characters, 36 words) is over it.
const (
	minArticleChars = 200
	minArticleWords = 30
)

// Parse extracts the article from a body of the given content type (as a
// server declared it; empty when unknown, as for a file or stdin, in which
// case the body is sniffed). HTML and XHTML go through Extract, plain
// text through FromText. The charset comes from the content type, a BOM
// or a <meta> tag, and defaults to UTF-8.
func Parse(body []byte, pageURL *url.URL, contentType string) (news.Article, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	if contentType == "" {
		contentType = http.DetectContentType(body)
	}
	body = toUTF8(body, contentType)
	mediaType := mediaTypeOf(contentType)
	switch mediaType {
	case "text/html", "application/xhtml+xml":
		return Extract(bytes.NewReader(body), pageURL)
	case "text/plain":
		a, err := FromText(string(body))
		if err != nil {
			return news.Article{}, err
		}
		if pageURL != nil {
			a.URL = pageURL.String()
		}
		return a, nil
	}
	return news.Article{}, unsupportedType(mediaType)
}

// toUTF8 decodes body from its declared or detected charset.
func toUTF8(body []byte, contentType string) []byte {
	if utf8.Valid(body) && !strings.Contains(strings.ToLower(contentType), "charset=") && !hasMetaCharset(body) {
		return body // the common case: no transcoding, no copy
	}
	enc, name, _ := charset.DetermineEncoding(body, contentType)
	if name == "utf-8" || enc == nil {
		return body
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return body
	}
	return out
}

// hasMetaCharset reports whether the head of an HTML body may declare a
// charset.
func hasMetaCharset(body []byte) bool {
	head := body[:min(len(body), 1024)]
	return bytes.Contains(bytes.ToLower(head), []byte("charset"))
}

// Extract parses UTF-8 HTML and returns its readable article: hidden nodes,
// scripts, styles and comments are dropped first, readability picks the
// content, and the text is rendered with paragraphs separated by blank
// lines and cleaned of invisible Unicode. pageURL (may be nil) resolves
// relative links; Article.URL is the page's canonical URL when it declares
// one on the same site (see trustCanonical), else pageURL.
func Extract(r io.Reader, pageURL *url.URL) (news.Article, error) {
	doc, err := html.Parse(r)
	if err != nil {
		return news.Article{}, fmt.Errorf("parse HTML: %w", err)
	}
	facts := stripHidden(doc)
	parser := readability.NewParser()
	ra, err := parser.ParseAndMutate(doc, pageURL)
	if err != nil {
		return news.Article{}, fmt.Errorf("readability: %w", err)
	}
	if ra.Node == nil {
		return news.Article{}, ErrNoArticle
	}
	text := normalizeText(Clean(render.InnerText(ra.Node)))
	if err := checkLength(text); err != nil {
		return news.Article{}, err
	}
	a := news.Article{
		URL:      articleURL(facts.canonical, pageURL),
		Title:    oneLine(ra.Title()),
		Byline:   oneLine(ra.Byline()),
		Site:     oneLine(ra.SiteName()),
		Language: oneLine(ra.Language()),
		Text:     text,
	}
	if a.Language == "" {
		a.Language = oneLine(facts.lang)
	}
	if t, err := ra.PublishedTime(); err == nil {
		a.Published = t
	}
	return a, nil
}

// checkLength fails with ErrNoArticle when text is too short to be an
// article.
func checkLength(text string) error {
	chars, words := utf8.RuneCountInString(text), len(strings.Fields(text))
	if chars < minArticleChars || words < minArticleWords {
		return fmt.Errorf("%w: only %d words", ErrNoArticle, words)
	}
	return nil
}

// oneLine cleans a metadata value and collapses its whitespace.
func oneLine(s string) string {
	return strings.Join(strings.Fields(Clean(s)), " ")
}

// normalizeText trims trailing whitespace from every line (leading
// whitespace is indentation, as in code), keeps at most one blank line
// between paragraphs, and trims the whole.
func normalizeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	blank := 0
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimRightFunc(line, unicode.IsSpace)
		if strings.TrimSpace(line) == "" {
			blank++
			continue
		}
		if b.Len() > 0 {
			if blank > 0 {
				b.WriteString("\n\n")
			} else {
				b.WriteByte('\n')
			}
		}
		blank = 0
		b.WriteString(line)
	}
	return strings.TrimLeftFunc(b.String(), unicode.IsSpace)
}
