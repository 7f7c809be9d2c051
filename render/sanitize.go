package render

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/internal/invisible"
)

// zwsp is the zero-width space put after "@" and "<@" to break mentions.
// Discord renders it invisibly; stripInvisible removes it from input, so
// Sanitize is idempotent.
const zwsp = "\u200b"

// LinkRemoved replaces a URL that did not occur in the article.
const LinkRemoved = "(link removed)"

var (
	// maskedLink is markdown's [text](url "title"), with Discord's
	// <url> form. The text holds no brackets; nested leftovers are caught by
	// the final "](" guard.
	maskedLink = regexp.MustCompile(`\[([^\[\]]*)\]\(\s*<?([^\s<>()]*)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)`)
	// bareURL matches at least what Discord autolinks (its rule is
	// https?://[^\s<]+ without some trailing punctuation), case-insensitively
	// and also inside words, so nothing Discord would link escapes the check.
	bareURL = regexp.MustCompile(`(?i)https?://[^\s<]+`)
	// manyNewlines is three or more line breaks.
	manyNewlines = regexp.MustCompile(`\n{3,}`)
)

// NoMentions is the allowed_mentions of every message the bot sends or
// edits: parse is a non-nil empty slice, so it serializes as "parse":[] and
// Discord pings no one, whatever the text holds.
func NoMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// URLsFrom returns the URL policy for text that came from an article: a URL
// is allowed when it is one of the URLs written in articleText or one of
// also (the article's own URL, item links), ignoring a trailing slash. A
// mere prefix of an article URL is not allowed: "https://github.co" is not
// "https://github.com/…".
func URLsFrom(articleText string, also ...string) func(string) bool {
	set := make(map[string]bool, len(also))
	for _, m := range bareURL.FindAllString(articleText, -1) {
		u, _ := trimURL(m)
		set[strings.TrimSuffix(u, "/")] = true
	}
	for _, u := range also {
		if u != "" {
			set[strings.TrimSuffix(u, "/")] = true
		}
	}
	return func(u string) bool { return u != "" && set[strings.TrimSuffix(u, "/")] }
}

// trimURL splits a bareURL match into the URL Discord links and the
// trailing punctuation it leaves out.
func trimURL(m string) (u, rest string) {
	u = strings.TrimRight(m, `.,:;"')]>`)
	return u, m[len(u):]
}

// Sanitize makes text that came from an article or the LLM safe to post:
// invisible and control characters are removed; masked links [text](url)
// become "text (url)"; a URL for which allowedURLs is false (nil allows
// none) is dropped (LinkRemoved for a bare URL, the text alone for a masked
// one); any other "](" is broken; and @everyone, @here, <@…>, <@!…>, <@&…>
// and <#…> get a zero-width space after "@" or "#" so they mention no one.
func Sanitize(text string, allowedURLs func(string) bool) string {
	if allowedURLs == nil {
		allowedURLs = func(string) bool { return false }
	}
	return neutralizeMentions(rewriteLinks(stripInvisible(text), allowedURLs))
}

// clean is Sanitize for the terminal: no mention neutralizing (nothing
// pings there) and, when keepURLs, no URL dropping.
func clean(text string, keepURLs bool) string {
	allow := func(string) bool { return keepURLs }
	return rewriteLinks(stripInvisible(text), allow)
}

// stripInvisible makes text valid UTF-8, turns CR/LF variants and the
// Unicode line separators into "\n" and other spaces into " ", and drops
// the invisible characters (internal/invisible: zero-width, bidi
// overrides, tag characters, soft hyphens, Hangul fillers, controls…).
func stripInvisible(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029' || r == '\u0085':
			b.WriteByte('\n')
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case invisible.Is(r):
			// dropped
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(manyNewlines.ReplaceAllString(b.String(), "\n\n"))
}

// rewriteLinks turns masked links into plain text, drops URLs that allowed
// refuses, and breaks any "](" left so no masked link survives.
func rewriteLinks(s string, allowed func(string) bool) string {
	unmask := func(m string) string {
		sub := maskedLink.FindStringSubmatch(m)
		text, u := strings.TrimSpace(sub[1]), sub[2]
		if !isWebURL(u) || !allowed(u) {
			return text
		}
		if text == "" || text == u {
			return u
		}
		return text + " (" + u + ")"
	}
	// Unmasking an inner link can complete an outer one; a few passes undo
	// the nesting a real text has, and the "](" guard below the rest.
	for i := 0; i < 4 && strings.Contains(s, "]("); i++ {
		next := maskedLink.ReplaceAllStringFunc(s, unmask)
		if next == s {
			break
		}
		s = next
	}
	if !strings.Contains(s, "://") {
		return strings.ReplaceAll(s, "](", "] (")
	}
	s = bareURL.ReplaceAllStringFunc(s, func(m string) string {
		u, rest := trimURL(m)
		if allowed(u) {
			return m
		}
		return LinkRemoved + rest
	})
	return strings.ReplaceAll(s, "](", "] (")
}

// isWebURL reports whether u starts with http:// or https://.
func isWebURL(u string) bool {
	l := strings.ToLower(u)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// neutralizeMentions puts a zero-width space after the "@" of @everyone and
// @here (any case), after every "<@", and after "<#" before a digit.
func neutralizeMentions(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		c := s[i]
		b.WriteByte(c)
		switch {
		case c == '@' && (hasPrefixFold(s[i+1:], "everyone") || hasPrefixFold(s[i+1:], "here")):
			b.WriteString(zwsp)
		case c == '<' && i+1 < len(s) && s[i+1] == '@':
			b.WriteByte('@')
			b.WriteString(zwsp)
			i++
		case c == '<' && i+2 < len(s) && s[i+1] == '#' && s[i+2] >= '0' && s[i+2] <= '9':
			b.WriteByte('#')
			b.WriteString(zwsp)
			i++
		}
	}
	return b.String()
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
