package digest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

// addItem subscribes guildID to it's feed (titled after the feed) and
// stores it.
func (e *env) addItem(t *testing.T, guildID string, it news.Item) news.Item {
	t.Helper()
	ctx := context.Background()
	if _, err := e.store.Subscribe(ctx, guildID, it.FeedURL, "Outlet "+it.FeedURL); err != nil {
		t.Fatal(err)
	}
	if it.Published.IsZero() {
		it.Published = e.clock.Now().Add(-time.Minute)
	}
	if _, err := e.store.AddItems(ctx, it.FeedURL, []news.Item{it}); err != nil {
		t.Fatal(err)
	}
	it.FeedTitle = "Outlet " + it.FeedURL
	return it
}

const toolShellText = "Microsoft released guidance for CVE-2025-53770, a remote code execution flaw in on-premises " +
	"SharePoint Server known as ToolShell. Customers running SharePoint Server Subscription Edition should review the advisory."

// toolShell is an outlet's item on the ToolShell story, its content
// ending in extra.
func toolShell(feed, title, extra string) news.Item {
	return news.Item{ID: feed + "#1", FeedURL: feed, Title: title, Link: "https://" + feed + "/toolshell",
		Content: toolShellText + " " + extra}
}

// postFirst posts the ToolShell story from feed-a to channel and returns
// when it was posted.
func (e *env) postFirst(t *testing.T, r *Runner, guildID, channelID string) time.Time {
	t.Helper()
	e.addItem(t, guildID, toolShell("feed-a", "SharePoint ToolShell flaw CVE-2025-53770 disclosed", ""))
	res, err := r.Now(context.Background(), news.DigestTarget{GuildID: guildID, ChannelID: channelID})
	if err != nil || len(res.Digest.Stories) != 1 || res.Digest.Stories[0].Update {
		t.Fatalf("first digest: %+v, %v: want the ToolShell story, new", res.Digest.Stories, err)
	}
	return e.clock.Now()
}

func TestPostedStoryNewOutletWithoutNewsIsMarkedSeen(t *testing.T) {
	e := newEnv(t)
	r := e.runner(Config{})
	e.postFirst(t, r, guild, channel)
	posts := e.post.Posted()
	e.clock.Advance(24 * time.Hour)
	e.addItem(t, guild, toolShell("feed-b", "Microsoft shares guidance on SharePoint ToolShell bug", "More reporting."))
	if _, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel}); !errors.Is(err, news.ErrNothingNew) {
		t.Fatalf("new outlet without news: %v, want news.ErrNothingNew", err)
	}
	if e.post.Posted() != posts {
		t.Fatalf("posted %d messages, want none beyond the first digest's %d", e.post.Posted(), posts)
	}
	if got := e.unseen(t); len(got) != 0 {
		t.Fatalf("unseen after the digest = %+v, want the new outlet's item marked seen", got)
	}
}

func TestPostedStoryUpdates(t *testing.T) {
	cases := []struct {
		name    string
		title   string
		extra   string
		actions []string
	}{
		{"new CVE", "SharePoint ToolShell: second flaw CVE-2025-53771", "A bypass is tracked as CVE-2025-53771.", nil},
		{"new GHSA", "SharePoint ToolShell library advisory", "See GHSA-4xqg-gf5c-ghwq for the helper library.", nil},
		{"exploited", "SharePoint ToolShell flaw update", "The flaw is actively exploited against government servers.", nil},
		{"patch", "SharePoint ToolShell fix", "More reporting.", []string{"Apply the July security update to SharePoint Server."}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			r := e.runner(Config{})
			first := e.postFirst(t, r, guild, channel)
			e.clock.Advance(48 * time.Hour)
			e.sum.actions = tc.actions
			it := e.addItem(t, guild, toolShell("feed-b", tc.title, tc.extra))
			res, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Digest.Stories) != 1 {
				t.Fatalf("stories = %+v, want the update alone", res.Digest.Stories)
			}
			s := res.Digest.Stories[0]
			if !s.Update || !s.FirstPosted.Equal(first) {
				t.Errorf("update = %v first posted %v, want an update first posted %v", s.Update, s.FirstPosted, first)
			}
			if s.Lead.Link != it.Link || len(s.Others) != 0 {
				t.Errorf("story lead %s and %d others, want the new link %s only", s.Lead.Link, len(s.Others), it.Link)
			}
			if got := e.unseen(t); len(got) != 0 {
				t.Fatalf("unseen after the update = %+v, want none", got)
			}
		})
	}
}

func TestDeniedExploitationIsNoNews(t *testing.T) {
	for _, text := range []string{
		"Microsoft is not aware of active exploitation.",
		"There is no evidence the flaw has been exploited in the wild.",
	} {
		if reportsExploitation(text) {
			t.Errorf("reportsExploitation(%q) = true, want false", text)
		}
	}
	for _, text := range []string{
		"Attackers are exploiting the flaw. No patch exists.",
		"CISA added it to its Known Exploited Vulnerabilities catalog",
	} {
		if !reportsExploitation(text) {
			t.Errorf("reportsExploitation(%q) = false, want true", text)
		}
	}
}

func TestPostedStoryOlderThanAWeekIsNew(t *testing.T) {
	e := newEnv(t)
	// Items ten days apart would still be one story: only the age of the
	// posting decides.
	r := e.runner(Config{Window: 10 * 24 * time.Hour, Lookback: 10 * 24 * time.Hour})
	e.postFirst(t, r, guild, channel)
	e.clock.Advance(PostedWindow + time.Hour)
	e.addItem(t, guild, toolShell("feed-b", "Microsoft shares guidance on SharePoint ToolShell bug", "More reporting."))
	res, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Digest.Stories) != 1 || res.Digest.Stories[0].Update {
		t.Fatalf("stories = %+v, want one new story (the earlier post is more than 7 days old)", res.Digest.Stories)
	}
}

func TestOtherChannelsPostedStoriesDoNotCount(t *testing.T) {
	e := newEnv(t)
	r := e.runner(Config{})
	e.postFirst(t, r, guild, "c2")     // another channel of the guild
	e.postFirst(t, r, "g2", "c-other") // another guild
	e.clock.Advance(time.Hour)
	e.addItem(t, guild, toolShell("feed-b", "Microsoft shares guidance on SharePoint ToolShell bug", "More reporting."))
	res, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range append(res.Digest.Stories, res.Digest.Headlines...) {
		if s.Update {
			t.Fatalf("story %q is an update in a channel that was never posted it", s.Lead.Title)
		}
	}
	if len(res.Digest.Stories) != 1 || res.Digest.Stories[0].Outlets() != 2 {
		t.Fatalf("stories = %+v, want the story of both outlets, new", res.Digest.Stories)
	}
}

func TestPostedStoryNewOutletSeenBesideNewStories(t *testing.T) {
	e := newEnv(t)
	r := e.runner(Config{})
	e.postFirst(t, r, guild, channel)
	e.clock.Advance(24 * time.Hour)
	e.addItem(t, guild, toolShell("feed-b", "Microsoft shares guidance on SharePoint ToolShell bug", "More reporting."))
	e.addItems(t, "feed-c", 1, distinct)
	res, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Digest.Stories) != 1 || res.Digest.Stories[0].Lead.FeedURL != "feed-c" || len(res.Digest.Headlines) != 0 {
		t.Fatalf("stories %+v headlines %+v, want feed-c's story alone", res.Digest.Stories, res.Digest.Headlines)
	}
	if got := e.unseen(t); len(got) != 0 {
		t.Fatalf("unseen after the digest = %+v, want the new outlet's item delivered unshown", got)
	}
}

func TestPostedStoryUpdateListedByHeadline(t *testing.T) {
	e := newEnv(t)
	r := e.runner(Config{MaxItems: 1})
	e.postFirst(t, r, guild, channel)
	first := e.clock.Now()
	e.clock.Advance(24 * time.Hour)
	e.addItem(t, guild, toolShell("feed-b", "SharePoint ToolShell: second flaw CVE-2025-53771", ""))
	// Five stories stated critical come first and take every summary:
	// the update is listed by headline, without a summary.
	e.addItems(t, "feed-c", 5, func(i int) string { return "Critical-severity " + distinct(i) + " CVE-2025-1000" + string(rune('0'+i)) })
	res, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Digest.Headlines {
		if s.Lead.FeedURL == "feed-b" {
			if !s.Update || !s.FirstPosted.Equal(first) {
				t.Fatalf("the new CVE's story: update %v first posted %v, want an update first posted %v", s.Update, s.FirstPosted, first)
			}
			return
		}
	}
	t.Fatalf("headlines %+v lack the update (stories %+v)", res.Digest.Headlines, res.Digest.Stories)
}

func TestScheduledSlotOfSeenCoverageOnlyRunsOnce(t *testing.T) {
	e := newEnv(t)
	r := e.runner(Config{})
	e.postFirst(t, r, guild, channel)
	e.clock.Advance(24 * time.Hour)
	e.addItem(t, guild, toolShell("feed-b", "Microsoft shares guidance on SharePoint ToolShell bug", "More reporting."))
	target := news.DigestTarget{GuildID: guild, ChannelID: channel}
	slot := e.clock.Now().Truncate(time.Hour)
	if _, err := r.Scheduled(context.Background(), target, slot); !errors.Is(err, news.ErrNothingNew) {
		t.Fatalf("scheduled digest of seen coverage only: %v, want news.ErrNothingNew", err)
	}
	if got := e.unseen(t); len(got) != 0 {
		t.Fatalf("unseen = %+v, want the new outlet's item marked seen", got)
	}
	if _, err := r.Scheduled(context.Background(), target, slot); !errors.Is(err, ErrAlreadyRun) {
		t.Fatalf("same slot again: %v, want ErrAlreadyRun", err)
	}
}
