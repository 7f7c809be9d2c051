package news

import (
	"errors"
	"time"
)

// ErrNotFound is returned by a store for a row that does not exist, such as
// a turn added to an unknown thread or the last digest of a channel that
// never had one.
var ErrNotFound = errors.New("not found")

// ErrDigestExists is returned by a store's CreateDigest when the channel
// already has a digest for that slot: the scheduled run happened (or is
// happening) already.
var ErrDigestExists = errors.New("digest for this slot already exists")

// DigestState is where a recorded digest is in its life.
type DigestState string

// The states of a digest.
const (
	DigestPending DigestState = "pending" // recorded, no part posted
	DigestPosting DigestState = "posting" // some parts posted
	DigestPosted  DigestState = "posted"  // every part posted, items delivered
	DigestEmpty   DigestState = "empty"   // the slot ran and found nothing new
	// DigestAbandoned: the channel could not take the digest; its items
	// were not delivered and stay unseen.
	DigestAbandoned DigestState = "abandoned"
)

// DigestItem names one feed item of a digest.
type DigestItem struct {
	FeedURL string
	ItemID  string // Item.ID
	// Summarized is false when the item's story went out without the
	// summary it was to get (the item is offered to the channel's next
	// digest once more). A story listed by headline only was never to be
	// summarized: its items are recorded as Summarized, delivered for good.
	Summarized bool
}

// DigestRun is one recorded digest of one channel.
type DigestRun struct {
	ID        int64
	GuildID   string
	ChannelID string
	Slot      string
	State     DigestState
	// Digest is the digest exactly as it is posted.
	Digest Digest
	Items  []DigestItem
	// Parts maps each posted part (0 = header) to its message id.
	Parts    map[int]string
	ThreadID string
	// Attempts counts the failed attempts to post the digest (its first
	// post and its resumes), recorded by the store's RecordDigestFailure.
	Attempts  int
	CreatedAt time.Time
	PostedAt  time.Time
}

// DigestSchedule is a channel's daily digest as /digest setup stored it.
type DigestSchedule struct {
	GuildID   string
	ChannelID string
	Time      string // "HH:MM", local to Timezone
	Timezone  string // IANA name
	Enabled   bool
	CreatedBy string
	UpdatedAt time.Time
}

// UnseenQuery selects the items a channel's next digest may show.
type UnseenQuery struct {
	GuildID   string
	ChannelID string
	// Now and Lookback bound the item time. A dated item qualifies when
	// its published time is within Lookback of Now and not before its
	// subscription's added_at minus Lookback. An undated item (the feed
	// gives no date) qualifies when it was first seen within Lookback of
	// Now, after the guild subscribed and after its feed's first stored
	// batch: a feed without dates added to a guild floods nothing.
	Now      time.Time
	Lookback time.Duration
}

// PostedStory is one story a channel's posted digest showed in full or
// listed by headline.
type PostedStory struct {
	DigestID int64
	PostedAt time.Time
	// Story is the story as posted, its items' Content filled from the
	// store's items where the recorded digest left it out (headlines) and
	// the item is still stored.
	Story Story
}
