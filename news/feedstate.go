package news

import "time"

// FeedState is what secbrief remembers about polling one feed: the
// validators for a conditional GET, the failure count behind its backoff,
// when it is due next and whether it was disabled.
type FeedState struct {
	URL   string
	Title string
	// ETag and LastModified are the validators of the last 200 response,
	// sent back as If-None-Match and If-Modified-Since.
	ETag         string
	LastModified string
	// Failures counts consecutive failed polls; zero after a success.
	Failures int
	// NextPollAt is when the feed is due again; zero means due now.
	NextPollAt time.Time
	// DisabledAt is when the feed was disabled after too many consecutive
	// failures; zero while it is enabled.
	DisabledAt time.Time
	// LastError is the error of the last failed poll, for /feeds list.
	LastError    string
	LastPolledAt time.Time
}

// Disabled reports whether the feed was disabled.
func (s FeedState) Disabled() bool { return !s.DisabledAt.IsZero() }

// PollResult counts what one round of polling feeds did.
type PollResult struct {
	Polled      int // feeds fetched
	NotModified int // of which answered 304
	Failed      int // of which failed
	Disabled    int // of which were disabled by this failure
	NewItems    int // items stored for the first time
}
