package news

import (
	"errors"
	"fmt"
	"time"
)

// ErrNothingNew is returned by a digest run when the channel has no unseen
// items: nothing was posted and no LLM call was made.
var ErrNothingNew = errors.New("nothing new")

// ErrUndeliverable is wrapped by a digest poster's error when the channel
// cannot take the digest at all (unknown channel, missing access, a request
// Discord refuses for good): the digest runner then abandons the digest,
// leaving its items unseen, instead of resuming it on every later run.
var ErrUndeliverable = errors.New("digest cannot be delivered to the channel")

// ErrDigestBusy is returned by a digest run when another process sharing
// the store is posting a digest of the channel right now (it holds the
// digest's lease): this run posts nothing, and the user may try again.
var ErrDigestBusy = errors.New("another process is posting a digest of this channel")

// DigestTarget is one channel of one guild that gets digests.
type DigestTarget struct {
	GuildID   string
	ChannelID string
	// Location is the channel's time zone, in which the digest is dated
	// ("Monday 6 July"); nil means the scheduled slot's zone for a
	// scheduled digest, else UTC.
	Location *time.Location
}

// DigestResult is a posted digest.
type DigestResult struct {
	DigestID int64
	Digest   Digest
	ThreadID string
}

// DigestPart is one posted message of a digest.
type DigestPart struct {
	Index int // 0 is the header message
	Total int // number of parts the digest renders to
	// MessageID is the Discord id of the created message.
	MessageID string
}

// Last reports whether p is the digest's final part.
func (p DigestPart) Last() bool { return p.Index == p.Total-1 }

// DigestNonce is the Discord message nonce of part index of the digest with
// key: at most 25 characters, as Discord requires, for the keys the digest
// runner makes.
func DigestNonce(key string, index int) string {
	return fmt.Sprintf("%s.%d", key, index)
}
