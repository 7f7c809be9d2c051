package digest

import (
	"context"
	"fmt"
	"time"

	"github.com/secbrief/secbrief/news"
)

// Store is what the Runner needs from storage.
type Store interface {
	UnseenItems(ctx context.Context, q news.UnseenQuery) ([]news.Item, error)
	CreateDigest(ctx context.Context, run news.DigestRun) (int64, error)
	RecordDigestPart(ctx context.Context, id int64, part int, messageID string, last bool) error
	SetDigestThread(ctx context.Context, id int64, threadID string) error
	UnfinishedDigests(ctx context.Context, channelID string) ([]news.DigestRun, error)
	DigestBySlot(ctx context.Context, channelID, slot string) (news.DigestRun, error)
	TokensOn(ctx context.Context, guildID, day string) (int, error)
	PutThread(ctx context.Context, t news.Thread) error
	AbandonDigest(ctx context.Context, id int64) error
	RecordDigestFailure(ctx context.Context, id int64) (int, error)
	GuildFeeds(ctx context.Context, guildID string) ([]news.FeedState, error)
	PostedStories(ctx context.Context, channelID string, since time.Time) ([]news.PostedStory, error)
	RecordUnshown(ctx context.Context, run news.DigestRun) (int64, error)
	// RecordPostedCVEs records the messages of a posted digest that show
	// stories naming CVEs, for /cve.
	RecordPostedCVEs(ctx context.Context, ps []news.PostedCVE) error

	// Claims and leases, shared by the processes of one store: a slot
	// is prepared under the job claim slotKey(channel, slot), a recorded
	// digest posted under its own lease (see leases.go).
	Claim(ctx context.Context, key string) (bool, error)
	TakeOverClaim(ctx context.Context, key string) (bool, error)
	Release(ctx context.Context, key string) error
	ClaimDigest(ctx context.Context, id int64) (bool, error)
	TakeDigest(ctx context.Context, id int64) (bool, error)
	ReleaseDigest(ctx context.Context, id int64) error
	OrphanedDigests(ctx context.Context) ([]news.DigestRun, error)
}

// Poller refreshes feeds right before a digest is built (*feeds.Poller).
// An error is logged and the digest goes on with what is stored: a broken
// feed never holds a digest back.
type Poller interface {
	PollFeeds(ctx context.Context, urls []string) (news.PollResult, error)
}

// Fetcher fetches an article's full text when a feed carried only a teaser
// (article.Fetcher).
type Fetcher interface {
	Fetch(ctx context.Context, url string) (news.Article, error)
}

// Summarizer summarizes a story's lead article (the summarizer package).
// Summarize is cache-first itself; Cached answers from the cache alone (no
// LLM call, no token cost), so a spent budget still shows cached summaries.
type Summarizer interface {
	Summarize(ctx context.Context, a news.Article) (news.Summary, error)
	Cached(ctx context.Context, a news.Article) (news.Summary, bool, error)
}

// Poster posts a digest to Discord; the bot implements it with
// render.DigestMessages.
//
// PostDigest renders d into its parts (part 0 the header) and creates them,
// in order, in d.ChannelID. Parts present in sent (index → message id) were
// created by an earlier attempt and must be skipped. Every create carries
// the nonce news.DigestNonce(key, index) with enforce_nonce true, so retrying a create
// whose answer was lost does not post twice. After each create it calls
// posted and, when posted returns an error, stops and returns it. When all
// parts exist it opens a discussion thread on the header message and
// returns its id ("" when no thread could be opened, which is not an
// error). The same d always renders to the same parts. An error that means
// the channel will never take the digest wraps news.ErrUndeliverable.
//
// StoryParts says which part shows each of d.Stories and d.Headlines (-1
// for a headline the digest has no room for), so /cve can link the
// message that shows a story.
type Poster interface {
	PostDigest(ctx context.Context, d news.Digest, key string, sent map[int]string,
		posted func(news.DigestPart) error) (threadID string, err error)
	StoryParts(d news.Digest) (stories, headlines []int)
}

// digestKey is the idempotency key of recorded digest id.
func digestKey(id int64) string {
	return fmt.Sprintf("sbd%d", id)
}
