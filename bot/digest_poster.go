package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/render"
)

// digestThreadArchive is the auto-archive duration, in minutes, of a
// digest's discussion thread: one day, until the next digest.
const digestThreadArchive = 1440

// DigestPoster posts digests and notices to Discord channels through a
// discordgo session. It implements digest.Poster.
type DigestPoster struct {
	s   *discordgo.Session
	log *slog.Logger
}

// NewDigestPoster returns a DigestPoster sending through s. A nil logger
// discards.
func NewDigestPoster(s *discordgo.Session, logger *slog.Logger) *DigestPoster {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &DigestPoster{s: s, log: logger}
}

// nonceMessage is a message create body with the nonce fields that
// discordgo's MessageSend lacks. Its embedded MessageSend serializes as
// discordgo itself would send it.
type nonceMessage struct {
	*discordgo.MessageSend
	Nonce        string `json:"nonce"`
	EnforceNonce bool   `json:"enforce_nonce"`
}

// PostDigest renders d with render.DigestMessages and creates its parts in
// d.ChannelID, as digest.Poster documents: parts in sent are skipped, every
// create carries the nonce news.DigestNonce(key, index) with enforce_nonce, and
// posted is called after each create. When every part exists it opens a
// thread on the header and returns its id, or "" when that failed (logged).
// Errors Discord will answer the same on every retry (a 4xx other than
// 429: unknown channel, missing access, an invalid body) wrap
// news.ErrUndeliverable.
func (p *DigestPoster) PostDigest(ctx context.Context, d news.Digest, key string, sent map[int]string,
	posted func(news.DigestPart) error) (string, error) {
	msgs := render.DigestMessages(d)
	n := len(msgs)
	header := sent[0]
	for i, msg := range msgs {
		if _, done := sent[i]; done {
			continue
		}
		if err := ctx.Err(); err != nil {
			return "", fmt.Errorf("post digest part %d/%d to channel %s: %w", i+1, n, d.ChannelID, err)
		}
		msg.AllowedMentions = render.NoMentions()
		if err := render.CheckLimits(msg); err != nil {
			return "", fmt.Errorf("post digest part %d/%d to channel %s: %w", i+1, n, d.ChannelID, err)
		}
		m, err := p.create(ctx, d.ChannelID, nonceMessage{MessageSend: msg, Nonce: news.DigestNonce(key, i), EnforceNonce: true})
		if err != nil {
			return "", deliveryError(fmt.Sprintf("post digest part %d/%d to channel %s", i+1, n, d.ChannelID), err)
		}
		if i == 0 {
			header = m.ID
		}
		if posted != nil {
			if err := posted(news.DigestPart{Index: i, Total: n, MessageID: m.ID}); err != nil {
				return "", err
			}
		}
	}
	return p.openThread(ctx, d, header), nil
}

// StoryParts says which part of d, as PostDigest posts it, shows each of
// d.Stories and d.Headlines (-1 for a headline not shown):
// render.DigestStoryParts.
func (p *DigestPoster) StoryParts(d news.Digest) (stories, headlines []int) {
	return render.DigestStoryParts(d)
}

// create posts body to channelID through the session's request method, so
// discordgo's rate limiter and 429 retries apply, and returns the message.
func (p *DigestPoster) create(ctx context.Context, channelID string, body nonceMessage) (*discordgo.Message, error) {
	endpoint := discordgo.EndpointChannelMessages(channelID)
	raw, err := p.s.RequestWithBucketID("POST", endpoint, body, endpoint, discordgo.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	var m discordgo.Message
	if err := discordgo.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("decode created message: %w", err)
	}
	if m.ID == "" {
		return nil, errors.New("created message has no id")
	}
	return &m, nil
}

// openThread starts the discussion thread on the header message and
// returns its id. A failure is logged and yields "": the digest itself is
// posted. When the header already has a thread (an earlier attempt opened
// it), that thread's id is returned.
func (p *DigestPoster) openThread(ctx context.Context, d news.Digest, headerID string) string {
	log := p.log.With("channel_id", d.ChannelID, "message_id", headerID)
	if headerID == "" {
		log.Warn("digest thread not opened: no header message id")
		return ""
	}
	th, err := startThread(p.s, d.ChannelID, headerID, &discordgo.ThreadStart{
		Name:                render.DigestThreadName(d),
		AutoArchiveDuration: digestThreadArchive,
	}, discordgo.WithContext(ctx))
	if err == nil {
		return th.ID
	}
	if restCode(err) == discordgo.ErrCodeThreadAlreadyCreatedForThisMessage {
		m, ferr := p.s.ChannelMessage(d.ChannelID, headerID, discordgo.WithContext(ctx))
		if ferr == nil && m.Thread != nil && m.Thread.ID != "" {
			return m.Thread.ID
		}
		log.Warn("digest thread exists but its id is unknown", "err", ferr)
		return ""
	}
	log.Warn("digest thread not opened", "err", err)
	return ""
}

// Notify posts a one-off notice (a disabled feed, say) to channelID. The
// text is our own, so its URLs are kept; it is sanitized against mentions,
// cut to Discord's 2000 runes and sent with no allowed mentions. Errors
// Discord will answer the same on every retry (a 4xx other than 429) wrap
// news.ErrUndeliverable.
func (p *DigestPoster) Notify(ctx context.Context, channelID, text string) error {
	allowAll := func(string) bool { return true }
	content := render.Truncate(render.Sanitize(text, allowAll), render.MaxContent)
	if content == "" {
		return fmt.Errorf("notify channel %s: empty notice", channelID)
	}
	_, err := p.s.ChannelMessageSendComplex(channelID, &discordgo.MessageSend{
		Content:         content,
		AllowedMentions: render.NoMentions(),
	}, discordgo.WithContext(ctx))
	if err != nil {
		return deliveryError("notify channel "+channelID, err)
	}
	return nil
}

// deliveryError wraps err with what failed, and with
// news.ErrUndeliverable too when Discord refused the request for good: a
// 4xx answer other than 429 (unknown channel, missing access or
// permissions, an invalid body...) comes back the same on every retry.
// Rate limits, 5xx answers and network errors may pass.
func deliveryError(what string, err error) error {
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Response == nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	status := re.Response.StatusCode
	if status < 400 || status >= 500 || status == http.StatusTooManyRequests {
		return fmt.Errorf("%s: %w", what, err)
	}
	why := "Discord refused it"
	switch restCode(err) {
	case discordgo.ErrCodeUnknownChannel:
		why = "unknown channel"
	case discordgo.ErrCodeMissingAccess, discordgo.ErrCodeMissingPermissions:
		why = "no access to the channel"
	}
	return fmt.Errorf("%s: %s (HTTP %d, code %d): %w: %w", what, why, status, restCode(err), news.ErrUndeliverable, err)
}

// restCode is Discord's JSON error code of err, 0 when err is not a REST
// error with a code.
func restCode(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil {
		return re.Message.Code
	}
	return 0
}
