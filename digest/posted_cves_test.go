package digest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

// cveTitle titles item i after a product and a CVE of its own.
func cveTitle(i int) string {
	return fmt.Sprintf("Product %s flaw CVE-2026-%05d exploited", []string{"alpha", "bravo", "charlie", "delta"}[i%4], 10000+i)
}

// checkPostedCVEs checks that each story of d is recorded under each CVE
// it names, with the message of its part (msgOf gives a part's message
// id).
func checkPostedCVEs(t *testing.T, e *env, d news.Digest, msgOf func(part int) string) {
	t.Helper()
	for i, s := range d.Stories {
		ids := storyCVEs(s)
		if len(ids) == 0 {
			t.Fatalf("story %q names no CVE: the test shows nothing", s.Lead.Title)
		}
		for _, id := range ids {
			got, err := e.store.PostedCVEs(context.Background(), guild, id, 0)
			if err != nil {
				t.Fatal(err)
			}
			want := news.PostedCVE{GuildID: guild, ChannelID: channel, MessageID: msgOf(i + 1), CVE: id,
				Title: s.Summary.Title, URL: s.Lead.Link, PostedAt: e.clock.Now().UTC()}
			if len(got) != 1 || got[0] != want {
				t.Errorf("story %d, %s: recorded %+v, want [%+v]", i, id, got, want)
			}
		}
	}
}

// TestDigestRecordsPostedCVEs: once a digest is posted, each story's CVEs
// (its items' and its summary's) are recorded with the message showing
// it; a headline the digest has no room for is not.
func TestDigestRecordsPostedCVEs(t *testing.T) {
	e := newEnv(t)
	items := e.addItems(t, "feed-a", 4, cveTitle)
	e.sum.cves = map[string][]string{items[0].Title: {"CVE-2026-20000"}} // named by the summary only
	res, err := e.runner(Config{MaxItems: 3}).Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Digest.Stories) != 3 || len(res.Digest.Headlines) != 1 {
		t.Fatalf("%d stories and %d headlines, want 3 and 1", len(res.Digest.Stories), len(res.Digest.Headlines))
	}
	checkPostedCVEs(t, e, res.Digest, func(part int) string { return e.post.messages[part] })
	if got, _ := e.store.PostedCVEs(context.Background(), guild, "CVE-2026-20000", 0); len(got) != 1 {
		t.Errorf("the summary's own CVE: recorded %+v", got)
	}
	for _, id := range storyCVEs(res.Digest.Headlines[0]) {
		if got, _ := e.store.PostedCVEs(context.Background(), guild, id, 0); len(got) != 0 {
			t.Errorf("a headline not shown was recorded: %+v", got)
		}
	}
}

// TestResumedDigestRecordsPostedCVEs: a digest whose process died halfway
// records, once resumed and posted, every story with its message, the
// parts of the first attempt included.
func TestResumedDigestRecordsPostedCVEs(t *testing.T) {
	e := newEnv(t)
	e.addItems(t, "feed-a", 4, cveTitle)
	e.post.crashAt = 2
	if _, err := e.runner(Config{}).Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel}); !errors.Is(err, errCrash) {
		t.Fatalf("first run: %v, want the crash", err)
	}
	e.store.Close()
	e.open(t)
	r := e.runner(Config{})
	if err := r.Resume(context.Background()); err != nil {
		t.Fatal(err)
	}
	un, err := e.store.UnfinishedDigests(context.Background(), channel)
	if err != nil || len(un) != 0 {
		t.Fatalf("unfinished after the resume: %+v, %v", un, err)
	}
	run, err := e.store.DigestBySlot(context.Background(), channel, "now:"+e.clock.Now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Parts) != 5 {
		t.Fatalf("parts %v, want 5", run.Parts)
	}
	checkPostedCVEs(t, e, run.Digest, func(part int) string { return run.Parts[part] })
}
