// Package news holds the domain types and sentinel errors every other
// secbrief package shares: articles, summaries, severities, feeds and their
// poll state, items, stories, digests and their records, schedules and
// posted parts, threads and usage. It imports nothing of secbrief's own, so
// any package can name them without compiling another's dependencies.
package news

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Article is the readable text of one web page or pasted text, with the
// metadata that extraction kept.
type Article struct {
	// URL is the final URL after redirects (the canonical URL when the page
	// declares one); empty for pasted text.
	URL       string    `json:"url,omitempty"`
	Title     string    `json:"title"`
	Byline    string    `json:"byline,omitempty"`
	Site      string    `json:"site,omitempty"`
	Language  string    `json:"language,omitempty"`
	Published time.Time `json:"published,omitzero"`
	// Text is the readable plain text: paragraphs separated by blank lines,
	// hidden nodes and invisible Unicode removed.
	Text string `json:"text"`

	// FeedURL and ItemID say where Text came from when it is not the page
	// at URL but the body a feed carried for one of its items (a feed may
	// link anyone's article and write what it likes beside the link). Such
	// text belongs to that feed item: it never stands for URL's page, and
	// its summary is cached for the item alone (see Hash). Both are empty
	// for a fetched page, a saved file and pasted text.
	FeedURL string `json:"feed_url,omitempty"`
	ItemID  string `json:"item_id,omitempty"`
}

// FromFeed reports whether a's text is a feed item's body rather than a
// fetched page or pasted text.
func (a Article) FromFeed() bool { return a.FeedURL != "" }

// Hash identifies the article's text: the hex SHA-256 of the text with its
// whitespace collapsed. Two fetches of an unchanged page have the same
// hash, whatever URL they came from. Text taken from a feed is hashed
// together with its feed and item, so it never shares an identity (a
// stored article, a cached summary, a thread's source) with a page or with
// another feed's copy of the same words.
func (a Article) Hash() string {
	// NUL never reaches a text's hash input, and every feed text's input
	// starts with one: no page can take a feed item's identity, whatever
	// its words. (Texts without NUL, i.e. all real ones, keep the hash
	// they always had.)
	text := strings.ReplaceAll(strings.Join(strings.Fields(a.Text), " "), "\x00", "")
	h := sha256.New()
	if a.FromFeed() {
		fmt.Fprintf(h, "\x00feed\x00%d:%s%d:%s", len(a.FeedURL), a.FeedURL, len(a.ItemID), a.ItemID)
	}
	h.Write([]byte(text))
	return hex.EncodeToString(h.Sum(nil))
}

// Summary is the structured summary of one article, as the LLM wrote it and
// the summarizer validated it, plus where it came from.
type Summary struct {
	Title     string   `json:"title"`
	TLDR      string   `json:"tldr"`
	KeyPoints []string `json:"key_points"`
	Severity  Severity `json:"severity"`
	CVEs      []string `json:"cves"`
	Affected  []string `json:"affected"`
	Actions   []string `json:"actions"`

	// The fields below are not written by the LLM.

	// SourceURL is the article's URL (empty for pasted text).
	SourceURL string `json:"source_url,omitempty"`
	// Site is the publication's name, when known.
	Site string `json:"site,omitempty"`
	// Published is the article's publication time, when known.
	Published time.Time `json:"published,omitzero"`
	// ArticleHash is news.Article.Hash of the summarized text.
	ArticleHash string `json:"article_hash,omitempty"`
	// Model, PromptVersion and Language identify what produced the summary.
	Model         string `json:"model,omitempty"`
	PromptVersion string `json:"prompt_version,omitempty"`
	Language      string `json:"language,omitempty"`
	// Coverage is the fraction (0 to 1) of the article's text the summary
	// was made from when a very long page was cut to its first parts
	// (llm.max_chunks); 0 means the whole text.
	Coverage float64 `json:"coverage,omitempty"`
	// Cached reports that the summary came from the cache (no LLM call).
	Cached bool `json:"-"`
}

// Usage is the token usage of LLM calls attributed to one guild
// (empty GuildID for the terminal) on one day.
type Usage struct {
	GuildID          string
	Day              string // YYYY-MM-DD in UTC
	Model            string
	PromptTokens     int
	CompletionTokens int
}

// Turn is one question and its answer in a follow-up thread.
type Turn struct {
	UserID   string
	Question string
	Answer   string
	At       time.Time
}

// ThreadKind says what a bot thread was opened on.
type ThreadKind string

// Thread kinds.
const (
	ThreadSummary ThreadKind = "summary"
	ThreadDigest  ThreadKind = "digest"
)

// Thread is a Discord thread the bot opened, mapped to the article(s) it is
// about, so follow-up questions can be answered from them.
type Thread struct {
	ID        string
	GuildID   string
	ChannelID string // parent channel
	Kind      ThreadKind
	// ArticleHashes are the news.Article.Hash values of the articles the
	// thread discusses: one for a summary, one per story for a digest.
	ArticleHashes []string
	CreatedAt     time.Time
}
