package article

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/secbrief/secbrief/internal/invisible"
)

// Clean removes invisible Unicode (internal/invisible: the one definition
// shared with feeds and render) and invalid UTF-8 from s. Everything else
// is kept as is.
func Clean(s string) string {
	return invisible.Strip(s)
}

// pageFacts are what the pre-pass collects that readability does not
// return.
type pageFacts struct {
	canonical string
	lang      string
}

// stripHidden removes from doc, in one walk, everything a reader does not
// see: comments, scripts (JSON-LD excepted, which readability reads for
// metadata and then drops), styles, noscript, template, and elements
// hidden by the hidden attribute, aria-hidden="true" or an inline style
// with display:none or visibility:hidden. It collects the canonical link
// and the document language on the way.
func stripHidden(doc *html.Node) pageFacts {
	var facts pageFacts
	var walk func(n *html.Node, pre bool)
	walk = func(n *html.Node, pre bool) {
		for c := n.FirstChild; c != nil; {
			next := c.NextSibling
			switch {
			case dropNode(c):
				n.RemoveChild(c)
			case c.Type == html.TextNode && !pre:
				// Runs of whitespace render as one space; collapsing them
				// here spares readability counting them again and again.
				c.Data = collapseSpace(c.Data)
			case c.Type == html.ElementNode:
				noteFacts(c, &facts)
				walk(c, pre || c.DataAtom == atom.Pre || c.DataAtom == atom.Textarea)
			default:
				walk(c, pre)
			}
			c = next
		}
	}
	walk(doc, false)
	return facts
}

// collapseSpace replaces each run of ASCII whitespace in s with its first
// character, allocating only when there is a run to collapse.
func collapseSpace(s string) string {
	run := false
	for i := 0; i < len(s); i++ {
		sp := isASCIISpace(s[i])
		if sp && run {
			return collapseFrom(s, i)
		}
		run = sp
	}
	return s
}

// collapseFrom collapses s from index i, where a run continues.
func collapseFrom(s string, i int) string {
	b := make([]byte, i, len(s))
	copy(b, s[:i])
	run := true
	for ; i < len(s); i++ {
		sp := isASCIISpace(s[i])
		if sp && run {
			continue
		}
		b = append(b, s[i])
		run = sp
	}
	return string(b)
}

func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f'
}

// dropNode reports whether n is invisible to a reader.
func dropNode(n *html.Node) bool {
	switch n.Type {
	case html.CommentNode:
		return true
	case html.ElementNode:
	default:
		return false
	}
	switch n.DataAtom {
	case atom.Style, atom.Noscript, atom.Template:
		return true
	case atom.Script:
		return !strings.EqualFold(strings.TrimSpace(attr(n, "type")), "application/ld+json")
	}
	for _, a := range n.Attr {
		switch a.Key {
		case "hidden":
			return true
		case "aria-hidden":
			if strings.EqualFold(strings.TrimSpace(a.Val), "true") {
				return true
			}
		case "style":
			if hiddenStyle(a.Val) {
				return true
			}
		}
	}
	return false
}

// hiddenStyle reports whether an inline style hides its element.
func hiddenStyle(style string) bool {
	for decl := range strings.SplitSeq(style, ";") {
		name, value, ok := strings.Cut(decl, ":")
		if !ok {
			continue
		}
		name = strings.ToLower(strings.TrimSpace(name))
		value = strings.ToLower(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(value), "!important")))
		switch {
		case name == "display" && value == "none":
			return true
		case name == "visibility" && (value == "hidden" || value == "collapse"):
			return true
		}
	}
	return false
}

// noteFacts records the canonical link and the root language.
func noteFacts(n *html.Node, facts *pageFacts) {
	switch n.DataAtom {
	case atom.Html:
		if facts.lang == "" {
			facts.lang = strings.TrimSpace(attr(n, "lang"))
		}
	case atom.Link:
		if facts.canonical == "" && hasToken(attr(n, "rel"), "canonical") {
			facts.canonical = strings.TrimSpace(attr(n, "href"))
		}
	}
}

// attr returns the value of n's attribute key, or "".
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// hasToken reports whether the space-separated list holds tok.
func hasToken(list, tok string) bool {
	for f := range strings.FieldsSeq(list) {
		if strings.EqualFold(f, tok) {
			return true
		}
	}
	return false
}
