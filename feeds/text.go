package feeds

import (
	"html"
	"regexp"
	"strings"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/secbrief/secbrief/internal/invisible"
)

// maxContentRunes caps an item's stored text; CISA's longest advisory is
// about 140 KB of HTML, far below it.
const maxContentRunes = 200_000

// escapedTag matches HTML that was escaped twice and so survives one
// decoding as visible tags ("&lt;p&gt;" in an HTML description).
var escapedTag = regexp.MustCompile(`(?i)</?(p|div|br|span|a|img|strong|em|b|i|u|ul|ol|li|h[1-6]|table|tr|td|th|figure|figcaption|blockquote|pre|code|section|article|hr)(\s[^>]*)?/?>`)

// PlainText converts an HTML fragment to plain text: tags removed, entities
// decoded, scripts, styles and hidden elements dropped, invisible Unicode
// removed, block elements separated by blank lines, and other whitespace
// collapsed. HTML escaped twice is decoded twice. The result never contains
// anything an HTML tokenizer reads as a tag or comment.
func PlainText(s string) string {
	text := htmlText(s)
	if escapedTag.MatchString(text) {
		text = htmlText(text)
	}
	return truncateRunes(neutralizeTags(text), maxContentRunes)
}

// skipped are elements whose content is never readable text.
var skipped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Head: true, atom.Svg: true, atom.Iframe: true, atom.Object: true, atom.Select: true,
}

// blocks are elements that start a new paragraph.
var blocks = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Br: true, atom.Li: true, atom.Ul: true, atom.Ol: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Tr: true, atom.Table: true, atom.Blockquote: true, atom.Pre: true, atom.Section: true,
	atom.Article: true, atom.Figure: true, atom.Figcaption: true, atom.Hr: true, atom.Header: true,
	atom.Footer: true, atom.Dl: true, atom.Dt: true, atom.Dd: true, atom.Aside: true, atom.Nav: true,
}

// htmlText is one pass of tag removal and entity decoding.
func htmlText(s string) string {
	z := xhtml.NewTokenizer(strings.NewReader(s))
	var paras []string
	var cur strings.Builder
	flush := func() {
		if p := strings.Join(strings.Fields(cur.String()), " "); p != "" {
			paras = append(paras, p)
		}
		cur.Reset()
	}
	var skipName string // the element being skipped, with its nesting depth
	skipDepth := 0
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			break
		}
		switch tt {
		case xhtml.TextToken:
			if skipDepth == 0 {
				cur.WriteString(stripInvisible(string(z.Text())))
			}
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			if skipDepth > 0 {
				if tt == xhtml.StartTagToken && string(name) == skipName {
					skipDepth++
				}
				continue
			}
			if tt == xhtml.StartTagToken && !isVoid(a) && (skipped[a] || (hasAttr && hidden(z))) {
				skipName, skipDepth = string(name), 1
				if blocks[a] {
					flush()
				}
				continue
			}
			if blocks[a] {
				flush()
			} else if a == atom.Td || a == atom.Th || a == atom.Img {
				cur.WriteByte(' ')
			}
		case xhtml.EndTagToken:
			name, _ := z.TagName()
			if skipDepth > 0 {
				if string(name) == skipName {
					if skipDepth--; skipDepth == 0 && blocks[atom.Lookup(name)] {
						flush()
					}
				}
				continue
			}
			a := atom.Lookup(name)
			if blocks[a] {
				flush()
			} else if a == atom.Td || a == atom.Th {
				cur.WriteByte(' ')
			}
		}
	}
	flush()
	return strings.Join(paras, "\n\n")
}

// hidden reports whether the current tag's attributes hide it from readers.
func hidden(z *xhtml.Tokenizer) bool {
	for {
		key, val, more := z.TagAttr()
		switch string(key) {
		case "hidden":
			return true
		case "aria-hidden":
			if strings.EqualFold(string(val), "true") {
				return true
			}
		case "style":
			v := strings.ToLower(strings.ReplaceAll(string(val), " ", ""))
			if strings.Contains(v, "display:none") || strings.Contains(v, "visibility:hidden") {
				return true
			}
		}
		if !more {
			return false
		}
	}
}

// isVoid reports elements that never have an end tag.
func isVoid(a atom.Atom) bool {
	switch a {
	case atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img, atom.Input,
		atom.Link, atom.Meta, atom.Source, atom.Track, atom.Wbr:
		return true
	}
	return false
}

// neutralizeTags puts a space after every '<' that an HTML tokenizer would
// take as the start of a tag, comment or doctype, so decoded text such as
// "<script>" stays text wherever it is rendered.
func neutralizeTags(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] == '<' && i+1 < len(s) {
			c := s[i+1]
			if c == '/' || c == '!' || c == '?' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') {
				b.WriteByte(' ')
			}
		}
	}
	return b.String()
}

// cleanTitle makes a feed or item title plain text. Feeds escape titles
// inconsistently (darkreading puts "&amp;" inside CDATA, CrowdStrike
// double-escapes "&amp;trade;"), so entities are decoded once more after the
// XML parser's own decoding.
func cleanTitle(s string) string {
	s = html.UnescapeString(s)
	if strings.Contains(s, "<") && escapedTag.MatchString(s) {
		s = htmlText(s)
	}
	return strings.Join(strings.Fields(stripInvisible(s)), " ")
}

// stripInvisible removes the characters that render as nothing
// (internal/invisible: Microsoft's titles start with U+200B) and invalid
// UTF-8, keeping ordinary whitespace.
func stripInvisible(s string) string {
	return invisible.Strip(s)
}

// truncateRunes cuts s to at most n runes.
func truncateRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}
