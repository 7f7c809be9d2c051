package feeds

import (
	"strings"
	"unicode/utf8"

	"github.com/secbrief/secbrief/news"
)

// teaserRunes is the length under which an item's content is taken to be a
// teaser rather than the article.
const teaserRunes = 600

// teaserEndings are how feeds end an excerpt, lowercased.
var teaserEndings = []string{"[…]", "[...]", "…", "...", "read more", "continue reading", "read the full story", "read the full article"}

// IsTeaser reports whether item carries only an excerpt of its article, so
// a summary needs the full text fetched from item.Link: content shorter than
// about 600 characters, or ending the way excerpts end ("… appeared first
// on …", "[…]", "Read more").
func IsTeaser(item news.Item) bool {
	c := strings.TrimSpace(item.Content)
	if utf8.RuneCountInString(c) < teaserRunes {
		return true
	}
	tail := strings.ToLower(c[max(0, len(c)-300):])
	if strings.Contains(tail, "appeared first on") {
		return true
	}
	tail = strings.TrimRight(tail, " »→>")
	for _, end := range teaserEndings {
		if strings.HasSuffix(tail, end) || strings.HasSuffix(strings.TrimSuffix(tail, "."), end) {
			return true
		}
	}
	return false
}
