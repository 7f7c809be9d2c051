package watchalert

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

// terms lists the terms of an alert's matches.
func terms(ws news.WatchedStory) []string {
	var out []string
	for _, m := range ws.Matches {
		out = append(out, m.Term)
	}
	return out
}

func TestAlertOnceInTheWatchChannel(t *testing.T) {
	e := newEnv(t)
	e.watch(news.Watch{ChannelID: chanA, Term: "Acme Gateway", RoleID: roleOn})
	e.watch(news.Watch{ChannelID: chanB, Term: "Widget"})
	a := e.alerter(nil, Config{})

	e.poll(a, feedA, item("1", "Critical flaw in Acme Gateway exploited"), item("2", "Unrelated vendor news"))
	posts := e.post.Posts()
	if len(posts) != 1 {
		t.Fatalf("%d posts, want 1 (the Acme story only)", len(posts))
	}
	p := posts[0]
	ws := p.stories[0]
	if p.channelID != chanA || p.batch || ws.Story.Lead.ID != "1" {
		t.Fatalf("post %+v, want item 1 alone in channel %s", p, chanA)
	}
	if got := ws.Roles(); !slices.Equal(got, []string{roleOn}) {
		t.Errorf("roles %v, want [%s]", got, roleOn)
	}
	m := ws.Matches[0]
	if m.Term != "Acme Gateway" || m.Field != "title" || m.Text[m.Start:m.End] != "Acme Gateway" {
		t.Errorf("match %+v, want Acme Gateway in the title", m)
	}
	if ws.Story.Summary == nil || e.sum.Calls() != 1 || e.sum.guilds[0] != guild {
		t.Errorf("summary %v after %d calls (guilds %v), want the story summarized once for %s", ws.Story.Summary,
			e.sum.Calls(), e.sum.guilds, guild)
	}
	if len(p.nonce) == 0 || len(p.nonce) > 25 {
		t.Errorf("nonce %q, want 1 to 25 characters", p.nonce)
	}
	rec, err := e.store.WatchAlert(context.Background(), chanA, storyKeyOf(t, e, "1"))
	if err != nil || rec.MessageID != "m1" || !slices.Equal(rec.Terms, []string{"Acme Gateway"}) {
		t.Errorf("alert record %+v, %v; want message m1 and the term", rec, err)
	}

	// The same items polled again (a feed that re-lists them) are not new.
	e.poll(a, feedA, item("1", "Critical flaw in Acme Gateway exploited"))
	if n := len(e.post.Posts()); n != 1 {
		t.Errorf("%d posts after the same items again, want 1", n)
	}
}

// storyKeyOf is the story key of item id of feedA.
func storyKeyOf(t *testing.T, e *env, id string) string {
	t.Helper()
	return storyKey(news.Item{FeedURL: feedA, ID: id})
}

func TestLaterOutletsAndRestartsDoNotAlertAgain(t *testing.T) {
	e := newEnv(t)
	e.watch(news.Watch{ChannelID: chanA, Term: "Acme"})
	a := e.alerter(nil, Config{})
	e.poll(a, feedA, item("a1", "Acme Gateway flaw CVE-2026-12345 exploited"))
	e.clock.Advance(10 * time.Minute)
	e.poll(a, feedB, item("b1", "Attackers hit CVE-2026-12345 in Acme gateways"))
	if n := len(e.post.Posts()); n != 1 {
		t.Fatalf("%d posts, want 1: a second outlet of the story (same CVE) alerts nothing", n)
	}
	// A restart: a new Alerter on a new Store of the same database.
	e.clock.Advance(10 * time.Minute)
	b := e.alerter(e.open("b"), Config{})
	e.poll(b, feedC, item("c1", "Acme Gateway CVE-2026-12345: what to do"))
	if n := len(e.post.Posts()); n != 1 {
		t.Fatalf("%d posts after a restart, want 1", n)
	}
	// A new story does alert.
	e.poll(b, feedC, item("c2", "Globex recalls Acme Toaster units"))
	if n := len(e.post.Posts()); n != 2 {
		t.Fatalf("%d posts after a new story, want 2", n)
	}
	if e.sum.Calls() != 2 {
		t.Errorf("%d summaries, want 2: one per alerted story", e.sum.Calls())
	}
}

func TestSeveralTermsOneAlertPerChannel(t *testing.T) {
	e := newEnv(t)
	e.watch(news.Watch{ChannelID: chanA, Term: "Acme", RoleID: "1"})
	e.watch(news.Watch{ChannelID: chanA, Term: "Gateway", RoleID: "2"})
	e.watch(news.Watch{ChannelID: chanA, Term: "exploited", RoleID: "1"})
	e.watch(news.Watch{ChannelID: chanB, Term: "acme"})
	a := e.alerter(nil, Config{})
	e.poll(a, feedA, item("1", "Acme Gateway flaw exploited"))
	posts := e.post.Posts()
	if len(posts) != 2 {
		t.Fatalf("%d posts, want one per channel", len(posts))
	}
	byChannel := map[string]news.WatchedStory{}
	for _, p := range posts {
		byChannel[p.channelID] = p.stories[0]
	}
	if got := terms(byChannel[chanA]); !slices.Equal(got, []string{"Acme", "Gateway", "exploited"}) {
		t.Errorf("channel A terms %v, want all three in one alert", got)
	}
	if got := byChannel[chanA].Roles(); !slices.Equal(got, []string{"1", "2"}) {
		t.Errorf("channel A roles %v, want [1 2], each once", got)
	}
	if got := byChannel[chanB].Roles(); len(got) != 0 {
		t.Errorf("channel B roles %v, want none", got)
	}
	if e.sum.Calls() != 1 {
		t.Errorf("%d summaries, want 1: the story is paid once", e.sum.Calls())
	}
}

func TestNoAlert(t *testing.T) {
	cases := []struct {
		name  string
		setup func(e *env)
		item  news.Item
	}{
		{"unwatched item", nil, item("1", "Widget Corp data breach")},
		{"old item", nil, func() news.Item {
			it := item("1", "Acme Gateway flaw")
			it.Published = t0.Add(-3 * 24 * time.Hour)
			return it
		}()},
		{"word boundary", nil, item("1", "Acmetronics launches a product")},
		{"another guild's watch", func(e *env) {
			e.watch(news.Watch{GuildID: "g2", ChannelID: "300", Term: "Widget"})
		}, item("1", "Widget Corp data breach")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.watch(news.Watch{ChannelID: chanA, Term: "Acme"})
			if c.setup != nil {
				c.setup(e)
			}
			a := e.alerter(nil, Config{})
			e.poll(a, feedA, c.item)
			if n := len(e.post.Posts()); n != 0 {
				t.Fatalf("%d posts, want none", n)
			}
			if e.sum.Calls() != 0 {
				t.Errorf("%d summaries for nothing to alert", e.sum.Calls())
			}
		})
	}
}

func TestKEVOnly(t *testing.T) {
	kev := fakeIntel{kev: map[string]news.KEVEntry{"CVE-2026-1111": {CVEID: "CVE-2026-1111", VendorProject: "Acme", Product: "Gateway"}}}
	cases := []struct {
		name  string
		intel Intel
		title string
		alert bool
	}{
		{"CVE in KEV", kev, "Acme flaw CVE-2026-1111 exploited", true},
		{"CVE not in KEV", kev, "Acme flaw CVE-2026-2222 patched", false},
		{"no CVE", kev, "Acme flaw patched", false},
		{"no intel", nil, "Acme flaw CVE-2026-1111 exploited", false},
		{"intel down", fakeIntel{fail: true}, "Acme flaw CVE-2026-1111 exploited", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.intel = c.intel
			e.watch(news.Watch{ChannelID: chanA, Term: "Acme", KEVOnly: true})
			a := e.alerter(nil, Config{})
			e.poll(a, feedA, item("1", c.title))
			if got := len(e.post.Posts()) == 1; got != c.alert {
				t.Fatalf("alerted %v, want %v", got, c.alert)
			}
		})
	}
}

func TestKEVProductMatches(t *testing.T) {
	e := newEnv(t)
	e.intel = fakeIntel{kev: map[string]news.KEVEntry{"CVE-2026-1111": {VendorProject: "Zorvex", Product: "Edge Manager"}}}
	e.watch(news.Watch{ChannelID: chanA, Term: "Edge Manager"})
	a := e.alerter(nil, Config{})
	e.poll(a, feedA, item("1", "CVE-2026-1111 under attack"))
	posts := e.post.Posts()
	if len(posts) != 1 {
		t.Fatalf("%d posts, want 1: the term is the KEV product of the item's CVE", len(posts))
	}
	m := posts[0].stories[0].Matches[0]
	if m.Field != "kev" || m.Text[m.Start:m.End] != "Edge Manager" {
		t.Errorf("match %+v, want the KEV product", m)
	}
}

func TestMinSeverity(t *testing.T) {
	kev := fakeIntel{kev: map[string]news.KEVEntry{"CVE-2026-1111": {VendorProject: "Acme"}}}
	cases := []struct {
		name  string
		sev   news.Severity
		spent bool
		intel Intel
		title string
		alert bool
	}{
		{"summary at the threshold", news.SeverityHigh, false, nil, "Acme flaw", true},
		{"summary above", news.SeverityCritical, false, nil, "Acme flaw", true},
		{"summary below", news.SeverityMedium, false, nil, "Acme flaw", false},
		{"raised by KEV", news.SeverityLow, false, kev, "Acme flaw CVE-2026-1111", true},
		{"budget spent: severity unknown", news.SeverityCritical, true, nil, "Acme flaw", false},
		{"budget spent, KEV says critical", news.SeverityCritical, true, kev, "Acme flaw CVE-2026-1111", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.sum.sev, e.sum.spent, e.intel = c.sev, c.spent, c.intel
			e.watch(news.Watch{ChannelID: chanA, Term: "Acme", MinSeverity: news.SeverityHigh})
			a := e.alerter(nil, Config{})
			e.poll(a, feedA, item("1", c.title))
			if got := len(e.post.Posts()) == 1; got != c.alert {
				t.Fatalf("alerted %v, want %v", got, c.alert)
			}
		})
	}

	// A story dropped for its severity is not claimed: a later outlet,
	// once the budget allows a summary, alerts.
	e := newEnv(t)
	e.sum.spent = true
	e.watch(news.Watch{ChannelID: chanA, Term: "Acme", MinSeverity: news.SeverityHigh})
	a := e.alerter(nil, Config{})
	e.poll(a, feedA, item("1", "Acme Gateway CVE-2026-3333 flaw"))
	e.sum.spent = false
	e.poll(a, feedB, item("2", "Acme Gateway CVE-2026-3333 flaw explained"))
	if n := len(e.post.Posts()); n != 1 {
		t.Fatalf("%d posts, want 1 once the story could be summarized", n)
	}
}

func TestWithoutBudgetTheAlertGoesOutUnsummarized(t *testing.T) {
	e := newEnv(t)
	e.sum.spent = true
	e.watch(news.Watch{ChannelID: chanA, Term: "Acme"})
	a := e.alerter(nil, Config{})
	e.poll(a, feedA, item("1", "Acme Gateway flaw"))
	posts := e.post.Posts()
	if len(posts) != 1 || posts[0].stories[0].Story.Summary != nil {
		t.Fatalf("posts %+v, want one alert without a summary", posts)
	}
}

func TestCapBatchesHourly(t *testing.T) {
	e := newEnv(t)
	e.watch(news.Watch{ChannelID: chanA, Term: "Acme", RoleID: "1"})
	e.watch(news.Watch{ChannelID: chanA, Term: "Zorvex", RoleID: "2"})
	a := e.alerter(nil, Config{MaxPerHour: 2})
	titles := []string{"Acme Gateway flaw", "Acme Cloud outage", "Zorvex router backdoor", "Acme phones recalled"}
	for i, title := range titles {
		e.poll(a, feedA, item(fmt.Sprint(i), title))
		e.clock.Advance(time.Minute)
	}
	posts := e.post.Posts()
	if len(posts) != 2 || posts[0].batch || posts[1].batch {
		t.Fatalf("%d posts, want the first 2 alone", len(posts))
	}
	if e.sum.Calls() != 2 {
		t.Errorf("%d summaries, want 2: held alerts use cached summaries only", e.sum.Calls())
	}
	ctx := context.Background()
	if err := a.FlushBatches(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(e.post.Posts()); n != 2 {
		t.Fatalf("batch posted after %d posts, before its hour", n)
	}
	e.clock.Advance(time.Hour)
	if err := a.FlushBatches(ctx); err != nil {
		t.Fatal(err)
	}
	posts = e.post.Posts()
	if len(posts) != 3 || !posts[2].batch || len(posts[2].stories) != 2 {
		t.Fatalf("posts %+v, want a third, batched, of the two held stories", posts)
	}
	var roles []string
	for _, ws := range posts[2].stories {
		roles = append(roles, ws.Roles()...)
	}
	slices.Sort(roles)
	if !slices.Equal(roles, []string{"1", "2"}) {
		t.Errorf("batched roles %v, want 1 and 2", roles)
	}
	held, err := e.store.HeldWatchAlerts(ctx, chanA)
	if err != nil || len(held) != 0 {
		t.Errorf("held after the batch: %+v, %v", held, err)
	}
	if err := a.FlushBatches(ctx); err != nil || len(e.post.Posts()) != 3 {
		t.Errorf("a second flush posted again (%v)", err)
	}
}

func TestRunFlushesOnItsTicker(t *testing.T) {
	e := newEnv(t)
	e.watch(news.Watch{ChannelID: chanA, Term: "Acme"})
	a := e.alerter(nil, Config{MaxPerHour: 1})
	e.poll(a, feedA, item("1", "Acme Gateway flaw"))
	e.poll(a, feedA, item("2", "Acme Cloud outage"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	e.ticks <- t0 // Run's first round is over: it waits for a tick
	if n := len(e.post.Posts()); n != 1 {
		t.Fatalf("%d posts before the hour, want 1", n)
	}
	e.clock.Advance(time.Hour)
	e.ticks <- t0.Add(time.Hour)
	e.ticks <- t0.Add(time.Hour) // the second tick is taken once the flush is done
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	posts := e.post.Posts()
	if len(posts) != 2 || !posts[1].batch {
		t.Fatalf("posts %+v, want the alert then the batch", posts)
	}
}

func TestFailedPostReleasesTheClaim(t *testing.T) {
	e := newEnv(t)
	e.watch(news.Watch{ChannelID: chanA, Term: "Acme"})
	a := e.alerter(nil, Config{})
	e.post.fail = errors.New("discord 503")
	e.poll(a, feedA, item("1", "Acme Gateway flaw CVE-2026-4444"))
	e.post.fail = nil
	e.poll(a, feedB, item("2", "Acme Gateway CVE-2026-4444 exploited"))
	posts := e.post.Posts()
	if len(posts) != 1 || posts[0].stories[0].Story.Lead.ID != "2" {
		t.Fatalf("posts %+v, want the later outlet's alert", posts)
	}

	// Undeliverable: the claim stays, nothing is retried.
	e2 := newEnv(t)
	e2.watch(news.Watch{ChannelID: chanA, Term: "Acme"})
	b := e2.alerter(nil, Config{})
	e2.post.fail = fmt.Errorf("unknown channel: %w", news.ErrUndeliverable)
	e2.poll(b, feedA, item("1", "Acme Gateway flaw CVE-2026-4444"))
	e2.post.fail = nil
	e2.poll(b, feedB, item("2", "Acme Gateway CVE-2026-4444 exploited"))
	if n := len(e2.post.Posts()); n != 0 {
		t.Fatalf("%d posts to an undeliverable channel", n)
	}
}

func TestTwoProcessesAlertOnce(t *testing.T) {
	e := newEnv(t)
	e.watch(news.Watch{ChannelID: chanA, Term: "Acme"})
	procs := []*Alerter{e.alerter(nil, Config{}), e.alerter(e.open("b"), Config{})}
	fresh, err := e.store.AddNewItems(context.Background(), feedA, []news.Item{item("1", "Acme Gateway flaw")})
	if err != nil {
		t.Fatal(err)
	}
	// Both processes get the item (the worst case: a feed lease lapsed
	// mid-poll) and race to alert.
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Go(func() { p.OnNewItems(context.Background(), feedA, fresh) })
	}
	wg.Wait()
	if n := len(e.post.Posts()); n != 1 {
		t.Fatalf("%d posts from two processes, want 1", n)
	}
}

func TestWatchesChangedReloadsTheIndex(t *testing.T) {
	e := newEnv(t)
	a := e.alerter(nil, Config{})
	e.poll(a, feedA, item("1", "Acme Gateway flaw"))
	// Another process adds a watch: the next poll uses it.
	other := e.open("b")
	if _, err := other.AddWatch(context.Background(), news.Watch{GuildID: guild, ChannelID: chanA, Term: "Zorvex"}, 0); err != nil {
		t.Fatal(err)
	}
	e.poll(a, feedA, item("2", "Zorvex router backdoor"))
	if n := len(e.post.Posts()); n != 1 {
		t.Fatalf("%d posts, want 1 for the watch added by another process", n)
	}
}

func TestWatched(t *testing.T) {
	e := newEnv(t)
	e.watch(news.Watch{ChannelID: chanA, Term: "Acme"})
	a := e.alerter(nil, Config{})
	ctx := context.Background()
	cases := []struct {
		name  string
		guild string
		st    news.Story
		want  bool
	}{
		{"lead title", guild, news.Story{Lead: news.Item{Title: "Acme flaw"}}, true},
		{"another outlet", guild, news.Story{Lead: news.Item{Title: "A flaw"}, Others: []news.Item{{ID: "x", Title: "Acme"}}}, true},
		{"summary's affected", guild, news.Story{Lead: news.Item{Title: "A flaw"}, Summary: &news.Summary{Affected: []string{"Acme VPN"}}}, true},
		{"unwatched", guild, news.Story{Lead: news.Item{Title: "Widget"}}, false},
		{"another guild", "g2", news.Story{Lead: news.Item{Title: "Acme flaw"}}, false},
	}
	for _, c := range cases {
		if got := a.Watched(ctx, c.guild, c.st); got != c.want {
			t.Errorf("%s: Watched = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestStoryKeyIsItsFirstItem(t *testing.T) {
	e := newEnv(t)
	e.watch(news.Watch{ChannelID: chanA, Term: "backdoor"})
	a := e.alerter(nil, Config{})
	// The story's first outlet does not name the term; the second does
	// and alerts; the third, linked to both, stays quiet.
	e.poll(a, feedA, item("1", "Zorvex routers CVE-2026-5555 patched"))
	e.clock.Advance(time.Minute)
	e.poll(a, feedB, item("2", "Zorvex backdoor CVE-2026-5555 found"))
	e.clock.Advance(time.Minute)
	e.poll(a, feedC, item("3", "Zorvex backdoor CVE-2026-5555: what to do"))
	posts := e.post.Posts()
	if len(posts) != 1 || posts[0].stories[0].Story.Lead.ID != "2" {
		t.Fatalf("posts %+v, want one alert, for item 2", posts)
	}
	if others := posts[0].stories[0].Story.Others; len(others) != 1 || others[0].ID != "1" {
		t.Errorf("alert's other outlets %+v, want item 1", others)
	}
	if _, err := e.store.WatchAlert(context.Background(), chanA, storyKey(news.Item{FeedURL: feedA, ID: "1"})); err != nil {
		t.Errorf("alert not keyed by the story's first item: %v", err)
	}
}
