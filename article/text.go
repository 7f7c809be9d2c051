package article

import (
	"strings"
	"unicode/utf8"

	"github.com/secbrief/secbrief/news"
)

// maxTitleRunes is the longest first line taken for a title.
const maxTitleRunes = 200

// FromText returns pasted or saved plain text as an article: the text is
// kept as is, cleaned of invisible Unicode, and its first non-empty line
// becomes the title when it looks like one (short, not a sentence of the
// body, followed by more text). A leading "Title:" label is dropped from
// the title. Too little text fails with ErrNoArticle.
func FromText(text string) (news.Article, error) {
	text = normalizeText(Clean(text))
	if err := checkLength(text); err != nil {
		return news.Article{}, err
	}
	return news.Article{Title: titleLine(text), Text: text}, nil
}

// titleLine returns the first line of text when it looks like a title.
func titleLine(text string) string {
	first, rest, ok := strings.Cut(text, "\n")
	if !ok || strings.TrimSpace(rest) == "" {
		return ""
	}
	if label, value, found := strings.Cut(first, ":"); found && strings.EqualFold(strings.TrimSpace(label), "title") {
		first = value
	}
	first = strings.Join(strings.Fields(first), " ")
	n := utf8.RuneCountInString(first)
	if n == 0 || n > maxTitleRunes {
		return ""
	}
	// A line ending like a sentence (and long enough to be one) is the
	// body's first paragraph, not a title.
	if strings.HasSuffix(first, ".") && len(strings.Fields(first)) > 12 {
		return ""
	}
	return first
}
