// Package news holds the domain types every other secbrief package shares:
// articles, summaries, severities, feeds, items, stories and digests.
// It imports nothing of secbrief's own.
package news

import (
	"crypto/sha256"
	"encoding/hex"
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
}

// Hash is the content hash of the article's text: the hex SHA-256 of the
// text with its whitespace collapsed. Two fetches of an unchanged page have
// the same hash, whatever URL they came from.
func (a Article) Hash() string {
	sum := sha256.Sum256([]byte(strings.Join(strings.Fields(a.Text), " ")))
	return hex.EncodeToString(sum[:])
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
