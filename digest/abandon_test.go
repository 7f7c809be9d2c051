package digest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

// errServer is a Discord failure that may pass (a 5xx).
var errServer = errors.New("HTTP 503 Service Unavailable")

// failKey fails every post of the digest with key.
func failKey(key string) func(string) error {
	return func(k string) error {
		if k == key {
			return errServer
		}
		return nil
	}
}

// logBuffer is a logger writing into a buffer the test reads after the
// runs (the runner logs synchronously).
func logBuffer() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, nil)), &buf
}

func (e *env) attempts(t *testing.T, channelID string) []int {
	t.Helper()
	un, err := e.store.UnfinishedDigests(context.Background(), channelID)
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, run := range un {
		out = append(out, run.Attempts)
	}
	return out
}

// TestDigestOutOfAttemptsIsAbandoned: a digest Discord keeps refusing with
// a 5xx blocks its channel for at most DefaultMaxPostAttempts runs; then
// it is abandoned and the same run posts a new digest of its items.
func TestDigestOutOfAttemptsIsAbandoned(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 2, distinct)
	e.post.setFail(failKey(digestKey(1)))
	log, logs := logBuffer()
	r := e.runner(Config{Logger: log})
	ctx := context.Background()
	slot := t0.Add(-time.Hour)
	for attempt := 1; attempt < DefaultMaxPostAttempts; attempt++ {
		_, err := r.Scheduled(ctx, news.DigestTarget{GuildID: guild, ChannelID: channel}, slot)
		if !errors.Is(err, errServer) || errors.Is(err, ErrAbandoned) {
			t.Fatalf("run %d: %v, want the server error, not abandoned", attempt, err)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("attempt %d of %d", attempt, DefaultMaxPostAttempts)) {
			t.Errorf("run %d: %v, want the attempt count", attempt, err)
		}
		if got := e.attempts(t, channel); len(got) != 1 || got[0] != attempt {
			t.Fatalf("run %d: unfinished attempts %v, want [%d]", attempt, got, attempt)
		}
		if got := len(e.unseen(t)); got != 0 {
			t.Fatalf("run %d: %d items offered while their digest is unfinished", attempt, got)
		}
		e.clock.Advance(time.Hour)
		slot = slot.Add(time.Hour)
	}
	res, err := r.Scheduled(ctx, news.DigestTarget{GuildID: guild, ChannelID: channel}, slot)
	if err != nil || res.DigestID == 1 || len(res.Digest.Stories) != 2 {
		t.Fatalf("run after the last attempt: %+v, %v; want a new digest of the 2 items", res, err)
	}
	if got := e.post.Calls(digestKey(1)); got != DefaultMaxPostAttempts {
		t.Errorf("the refused digest was tried %d times, want %d", got, DefaultMaxPostAttempts)
	}
	if got := e.attempts(t, ""); len(got) != 0 {
		t.Errorf("unfinished digests left: %v", got)
	}
	if !strings.Contains(logs.String(), "level=WARN msg=\"digest abandoned") || !strings.Contains(logs.String(), "3 failed attempts") {
		t.Errorf("abandon not logged as a warning:\n%s", logs.String())
	}
	e.clock.Advance(time.Minute)
	if _, err := r.Now(ctx, news.DigestTarget{GuildID: guild, ChannelID: channel}); !errors.Is(err, news.ErrNothingNew) {
		t.Fatalf("next run: %v, want news.ErrNothingNew", err)
	}
}

// TestOldUnfinishedDigestIsAbandonedUntried: a digest left unfinished for
// longer than MaxUnfinishedAge is not posted late at start; the next
// digest goes out.
func TestOldUnfinishedDigestIsAbandonedUntried(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 2, distinct)
	e.post.setFail(failKey(digestKey(1)))
	ctx := context.Background()
	if _, err := e.runner(Config{}).Now(ctx, news.DigestTarget{GuildID: guild, ChannelID: channel}); !errors.Is(err, errServer) {
		t.Fatalf("first post: %v, want the server error", err)
	}
	e.post.setFail(nil)
	e.clock.Advance(DefaultMaxUnfinishedAge + time.Hour) // the bot was down
	e.addItems(t, "feed-b", 3, func(i int) string { return "Later " + distinct(i) })

	log, logs := logBuffer()
	r := e.runner(Config{Logger: log})
	if err := r.Resume(ctx); err != nil {
		t.Fatalf("Resume: %v, want the old digest abandoned, not an error", err)
	}
	if got := e.post.Calls(digestKey(1)); got != 1 {
		t.Errorf("the day-old digest was posted again (%d tries)", got)
	}
	if got := e.attempts(t, ""); len(got) != 0 {
		t.Errorf("unfinished digests left: %v", got)
	}
	if !strings.Contains(logs.String(), "digest abandoned") {
		t.Errorf("abandon not logged:\n%s", logs.String())
	}
	res, err := r.Now(ctx, news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil || len(res.Digest.Stories) != 3 {
		t.Fatalf("next digest: %d stories, %v; want the 3 new items (the old ones left the look-back)", len(res.Digest.Stories), err)
	}
}

// TestShutdownDoesNotSpendAttempts: a post cut short by the context ending
// is a crash, not the digest's fault.
func TestShutdownDoesNotSpendAttempts(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 2, distinct)
	ctx, cancel := context.WithCancel(context.Background())
	e.post.setFail(func(string) error { cancel(); return ctx.Err() })
	_, err := e.runner(Config{}).Now(ctx, news.DigestTarget{GuildID: guild, ChannelID: channel})
	if !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "record digest") {
		t.Fatalf("post: %v, want context.Canceled alone (no attempt recorded)", err)
	}
	if got := e.attempts(t, channel); len(got) != 1 || got[0] != 0 {
		t.Fatalf("unfinished attempts %v, want [0]", got)
	}
}

// TestResumeOnlyThisShard: with several shards, each process resumes the
// unfinished digests of its own guilds only.
func TestResumeOnlyThisShard(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.addItems(t, "feed-a", 2, distinct)
	const otherGuild, otherChannel = "g2", "c2"
	if _, err := e.store.Subscribe(ctx, otherGuild, "feed-b", "Outlet feed-b"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.AddItems(ctx, "feed-b", []news.Item{{ID: "b1", FeedURL: "feed-b", Title: "Other shard story",
		Link: "https://feed-b/1", Content: strings.Repeat("Full article text. ", 60), Published: t0.Add(-time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	e.post.setFail(func(string) error { return errServer })
	r := e.runner(Config{InShard: func(g string) bool { return g != otherGuild }})
	for _, tg := range []news.DigestTarget{{GuildID: guild, ChannelID: channel}, {GuildID: otherGuild, ChannelID: otherChannel}} {
		if _, err := r.Now(ctx, tg); !errors.Is(err, errServer) {
			t.Fatalf("post to %s: %v, want the server error", tg.ChannelID, err)
		}
	}
	e.post.setFail(nil)
	if err := r.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.attempts(t, channel); len(got) != 0 {
		t.Errorf("this shard's digest not resumed: %v", got)
	}
	if got := e.attempts(t, otherChannel); len(got) != 1 {
		t.Errorf("the other shard's digest: unfinished %v, want it left alone", got)
	}
	if got := e.post.Calls(digestKey(2)); got != 1 {
		t.Errorf("the other shard's digest was posted %d times, want 1 (only its own first try)", got)
	}
}
