package news

import (
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrWatchExists is returned when a channel already watches a term (terms
// compare by WatchTermKey).
var ErrWatchExists = errors.New("this channel already watches that term")

// ErrTooManyWatches is returned when a guild already has as many watches as
// it may.
var ErrTooManyWatches = errors.New("too many watched terms in this server")

// The bounds of a watched term's length, in characters, after
// NormalizeWatchTerm.
const (
	MinWatchTermLen = 2
	MaxWatchTermLen = 100
)

// Watch is one server's standing interest in a term: new feed items that
// mention it are announced in ChannelID, pinging RoleID when one is set.
type Watch struct {
	ID        int64
	GuildID   string
	ChannelID string
	// Term is what the user typed, normalized (NormalizeWatchTerm): a
	// vendor, product, keyword or CVE id, matched case-insensitively on
	// word boundaries.
	Term string
	// RoleID is the role an alert pings; empty: alerts ping no one.
	RoleID string
	// MinSeverity is the least severity a story must have to alert; zero:
	// any story, summarized or not.
	MinSeverity Severity
	// KEVOnly restricts alerts to stories naming a CVE in CISA's KEV
	// catalog.
	KEVOnly   bool
	CreatedBy string
	CreatedAt time.Time
}

// Key is the watch's term as matched and as stored for uniqueness
// (WatchTermKey).
func (w Watch) Key() string { return WatchTermKey(w.Term) }

// NormalizeWatchTerm is term with surrounding space trimmed and every run of
// white space inside it turned into one space: "Ivanti  Connect\tSecure"
// and "Ivanti Connect Secure" are one term.
func NormalizeWatchTerm(term string) string {
	return strings.Join(strings.FieldsFunc(term, unicode.IsSpace), " ")
}

// WatchTermKey is the normalized term with every letter case-folded
// (FoldRune): two terms with the same key are the same watch, and a term
// matches text whose folded runes equal its key's.
func WatchTermKey(term string) string {
	return strings.Map(FoldRune, NormalizeWatchTerm(term))
}

// FoldRune is r as watch terms are compared: letters in lower case after
// upper case, so that letters with several lower forms (ſ and s, ς and σ,
// the Kelvin sign and k) compare equal, and every dash (Unicode Pd: the
// non-breaking hyphen some sites write CVE ids with, en dashes) as '-'.
func FoldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	if unicode.Is(unicode.Pd, r) {
		return '-'
	}
	return unicode.ToLower(unicode.ToUpper(r))
}

// WatchTermLen is the length of a term in characters, after normalizing.
func WatchTermLen(term string) int {
	return utf8.RuneCountInString(NormalizeWatchTerm(term))
}

// WatchAlert is the record of one alert: a story announced (or held for
// the hourly batch) in one channel because watches matched it. A channel
// is alerted about a story once, whatever the outlets and processes.
type WatchAlert struct {
	ChannelID string
	// StoryKey names the story, as the alert pipeline keys stories.
	StoryKey string
	GuildID  string
	// WatchIDs and Terms are the watches that matched.
	WatchIDs []int64
	Terms    []string
	// Body is what the alert shows, encoded by the pipeline, kept so an
	// alert held for a batch can be posted later, by any process.
	Body string
	// Batch is set for an alert held for the channel's hourly batch
	// message rather than posted on its own.
	Batch     bool
	MessageID string
	ClaimedAt time.Time
	// SentAt is when the alert (or its batch) was posted; zero until then.
	SentAt time.Time
}
