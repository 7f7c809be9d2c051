package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/secbrief/secbrief/news"
)

// postedDigestsSQL is PostedStories' query, answered by the index
// digests_channel_posted. Its parameters are the channel and the instant
// (microseconds).
const postedDigestsSQL = `SELECT id, body, posted_at FROM digests
	WHERE channel_id = ? AND state = 'posted' AND posted_at >= ? ORDER BY posted_at, id`

// PostedStories returns the stories of channelID's digests posted at or
// after since, oldest digest first: what the channel was already told, so
// a new outlet covering one of them is not posted as a new story. Only that
// channel's digests count (another channel, or server, may have been told
// nothing).
func (s *Store) PostedStories(ctx context.Context, channelID string, since time.Time) ([]news.PostedStory, error) {
	rows, err := s.read.QueryContext(ctx, postedDigestsSQL, channelID, since.UnixMicro())
	if err != nil {
		return nil, fmt.Errorf("posted stories %s: %w", channelID, err)
	}
	type posted struct {
		id   int64
		at   time.Time
		body news.Digest
	}
	var digests []posted
	for rows.Next() {
		var p posted
		var body string
		var at sql.NullInt64
		if err := rows.Scan(&p.id, &body, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("posted stories %s: %w", channelID, err)
		}
		if err := json.Unmarshal([]byte(body), &p.body); err != nil {
			rows.Close()
			return nil, fmt.Errorf("posted stories %s: digest %d: decode: %w", channelID, p.id, err)
		}
		p.at = scanTime(at)
		digests = append(digests, p)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("posted stories %s: %w", channelID, err)
	}
	var out []news.PostedStory
	for _, p := range digests {
		content, err := s.digestContents(ctx, p.id)
		if err != nil {
			return nil, fmt.Errorf("posted stories %s: %w", channelID, err)
		}
		for _, st := range append(p.body.Stories, p.body.Headlines...) {
			fill := func(it *news.Item) {
				if it.Content == "" {
					it.Content = content[it.FeedURL+"\x00"+it.ID]
				}
			}
			fill(&st.Lead)
			for i := range st.Others {
				fill(&st.Others[i])
			}
			out = append(out, news.PostedStory{DigestID: p.id, PostedAt: p.at, Story: st})
		}
	}
	return out, nil
}

// digestContents maps the items of digest id ("feed_url\x00item_id") to
// their stored content.
func (s *Store) digestContents(ctx context.Context, id int64) (map[string]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT i.feed_url, i.item_id, i.content
		FROM digest_items d JOIN items i ON i.id = d.item WHERE d.digest_id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("digest %d contents: %w", id, err)
	}
	out := map[string]string{}
	for rows.Next() {
		var feed, item, content string
		if err := rows.Scan(&feed, &item, &content); err != nil {
			rows.Close()
			return nil, fmt.Errorf("digest %d contents: %w", id, err)
		}
		out[feed+"\x00"+item] = content
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("digest %d contents: %w", id, err)
	}
	return out, nil
}

// RecordUnshown records run as a digest that shows nothing (state empty,
// nothing is posted) and, in the same transaction, delivers its items to
// the channel: items a digest decided not to show (a posted story's new
// outlet without news, items past max_candidates) are marked seen even
// when nothing else is new. An item recorded as not Summarized is offered
// once more, as after a posted digest. It returns news.ErrDigestExists when
// (ChannelID, Slot) is taken.
func (s *Store) RecordUnshown(ctx context.Context, run news.DigestRun) (int64, error) {
	body, err := json.Marshal(run.Digest)
	if err != nil {
		return 0, fmt.Errorf("record unshown %s/%s: encode: %w", run.ChannelID, run.Slot, err)
	}
	var id int64
	err = s.tx(ctx, func(tx *txn) error {
		now := s.now()
		var err error
		if id, err = insertDigest(ctx, tx, run, news.DigestEmpty, body, now); err != nil {
			return err
		}
		if err := s.leaseDigest(ctx, tx, id); err != nil {
			return err
		}
		return deliverDigestItems(ctx, tx, run.ChannelID, id, dbTime(now))
	})
	if err != nil {
		return 0, fmt.Errorf("record unshown %s/%s: %w", run.ChannelID, run.Slot, err)
	}
	return id, nil
}
