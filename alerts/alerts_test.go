package alerts

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakeclock"
	"github.com/secbrief/secbrief/internal/pgtest"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/storage"
)

// storeIntel is the Intel of a store, as intel.Service serves it.
type storeIntel struct{ s *storage.Store }

func (i storeIntel) KEVAdded(ctx context.Context, since time.Time, limit int) ([]news.KEVEntry, error) {
	return i.s.KEVAdded(ctx, since, limit)
}

func (i storeIntel) Lookup(ctx context.Context, ids ...string) (map[string]news.CVEIntel, error) {
	return i.s.CVEIntel(ctx, ids)
}

// message is one message a poster created.
type message struct {
	channelID string
	cves      []string
	alerts    []news.KEVAlert
}

// poster records the alerts posted, one message per call of
// PostKEVAlerts; fail, when set, answers a call instead.
type poster struct {
	mu   sync.Mutex
	msgs []message
	fail func(channelID string) error
}

func (p *poster) PostKEVAlerts(_ context.Context, channelID string, alerts []news.KEVAlert, posted func(news.KEVAlertPost) error) error {
	p.mu.Lock()
	if p.fail != nil {
		if err := p.fail(channelID); err != nil {
			p.mu.Unlock()
			return err
		}
	}
	m := message{channelID: channelID, alerts: alerts}
	for _, a := range alerts {
		m.cves = append(m.cves, a.Entry.CVEID)
	}
	p.msgs = append(p.msgs, m)
	id := fmt.Sprintf("m%d", len(p.msgs))
	p.mu.Unlock()
	return posted(news.KEVAlertPost{CVEs: m.cves, MessageID: id})
}

// told returns "channel: cve cve" per message, sorted.
func (p *poster) told() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, m := range p.msgs {
		out = append(out, m.channelID+": "+strings.Join(m.cves, " "))
	}
	slices.Sort(out)
	return out
}

// env is a job on a SQLite store with a fake clock and poster.
type env struct {
	t      *testing.T
	clock  *fakeclock.Clock
	store  *storage.Store
	poster *poster
	job    *Job
	open   opener
}

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvOn(t, sqliteOpener(t))
}

// opener opens a store on one database for owner: each call is another
// process.
type opener func(t *testing.T, owner string, clock *fakeclock.Clock) *storage.Store

// sqliteOpener opens stores on one SQLite file.
func sqliteOpener(t *testing.T) opener {
	path := filepath.Join(t.TempDir(), "alerts.db")
	return func(t *testing.T, owner string, clock *fakeclock.Clock) *storage.Store {
		st, err := storage.Open(t.Context(), path, nil, storage.WithClock(clock.Now), storage.WithOwner(owner))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
}

// postgresOpener opens stores on one new PostgreSQL database (skipped
// without SECBRIEF_TEST_POSTGRES).
func postgresOpener(t *testing.T) opener {
	dsn := pgtest.New(t)
	return func(t *testing.T, owner string, clock *fakeclock.Clock) *storage.Store {
		st, err := storage.OpenPostgres(t.Context(), dsn, nil, storage.WithClock(clock.Now), storage.WithOwner(owner))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
}

func newEnvOn(t *testing.T, open opener) *env {
	t.Helper()
	clock := fakeclock.New(t0)
	e := &env{t: t, clock: clock, poster: &poster{}, open: open}
	e.store = open(t, "one", clock)
	e.job = e.newJob(e.store)
	return e
}

// newJob is another job on st (a restart, or another process).
func (e *env) newJob(st *storage.Store) *Job {
	return New(st, storeIntel{st}, e.poster, Options{Clock: e.clock}, nil)
}

// catalog loads the KEV catalog of ids, a minute later than the last.
func (e *env) catalog(ids ...string) {
	e.t.Helper()
	e.clock.Advance(time.Minute)
	cat := news.KEVCatalog{Version: "v"}
	for _, id := range ids {
		cat.Entries = append(cat.Entries, news.KEVEntry{CVEID: id, VendorProject: "Acme", Product: "Gateway",
			VulnerabilityName: "Acme Gateway flaw", DueDate: time.Date(2026, 12, 22, 0, 0, 0, 0, time.UTC)})
	}
	now := e.clock.Now()
	if _, err := e.store.ReplaceKEV(e.t.Context(), cat, news.SourceStatus{CheckedAt: now, RefreshedAt: now}); err != nil {
		e.t.Fatal(err)
	}
}

// alertsOn turns alerts on or off in channel of guild.
func (e *env) alertsOn(guild, channel string, on bool) {
	e.t.Helper()
	if _, err := e.store.SetKEVAlerts(e.t.Context(), news.KEVAlertChannel{GuildID: guild, ChannelID: channel, Enabled: on}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) tick(j *Job) error {
	e.t.Helper()
	e.clock.Advance(time.Second)
	return j.Tick(e.t.Context())
}

func (e *env) mustTick(j *Job) {
	e.t.Helper()
	if err := e.tick(j); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) wantTold(want ...string) {
	e.t.Helper()
	slices.Sort(want)
	if got := e.poster.told(); !slices.Equal(got, want) {
		e.t.Errorf("messages %q, want %q", got, want)
	}
}

const (
	cveA = "CVE-2026-0001"
	cveB = "CVE-2026-0002"
	cveC = "CVE-2026-0003"
	cveD = "CVE-2026-0004"
)

// TestBaselineAlertsNothing: the first catalog ever loaded is not news.
func TestBaselineAlertsNothing(t *testing.T) {
	e := newEnv(t)
	e.alertsOn("g1", "c1", true)
	e.catalog(cveA, cveB)
	e.mustTick(e.job)
	e.catalog(cveA, cveB) // the same again
	e.mustTick(e.job)
	e.wantTold()
}

// TestAdditionAlertsEachChannelOnce: a CVE added to the catalog is told
// once in each channel with alerts on, none in one with alerts off or
// turned on after the addition, and never again: not by later ticks, not
// by a new job on the same store (a restart).
func TestAdditionAlertsEachChannelOnce(t *testing.T) {
	e := newEnv(t)
	e.alertsOn("g1", "c1", true)
	e.alertsOn("g2", "c2", true)
	e.alertsOn("g2", "off", true)
	e.alertsOn("g2", "off", false)
	e.catalog(cveA, cveB)
	e.mustTick(e.job)
	e.catalog(cveA, cveB, cveC)
	e.mustTick(e.job)
	e.wantTold("c1: "+cveC, "c2: "+cveC)

	e.alertsOn("g3", "late", true)
	e.mustTick(e.job)
	restarted := e.newJob(e.store)
	e.mustTick(restarted)
	e.wantTold("c1: "+cveC, "c2: "+cveC)

	// Two additions in one refresh: one message per channel.
	e.catalog(cveA, cveB, cveC, cveD, "CVE-2026-0005")
	e.mustTick(restarted)
	e.wantTold("c1: "+cveC, "c2: "+cveC,
		"c1: "+cveD+" CVE-2026-0005", "c2: "+cveD+" CVE-2026-0005", "late: "+cveD+" CVE-2026-0005")
	due, err := e.store.DueKEVAlertChannels(t.Context(), 10)
	if err != nil || len(due) != 0 {
		t.Errorf("due after all was told = %+v, %v; want none", due, err)
	}
}

// TestTwoJobsOneStore: two processes on one store, SQLite or PostgreSQL,
// post each alert once.
func TestTwoJobsOneStore(t *testing.T) {
	for name, open := range map[string]func(*testing.T) opener{"sqlite": sqliteOpener, "postgres": postgresOpener} {
		t.Run(name, func(t *testing.T) {
			e := newEnvOn(t, open(t))
			j2 := e.newJob(e.open(t, "two", e.clock))
			for i := range 5 {
				e.alertsOn("g1", fmt.Sprintf("c%d", i), true)
			}
			e.catalog(cveA)
			e.catalog(cveA, cveB)
			var wg sync.WaitGroup
			for _, j := range []*Job{e.job, j2} {
				wg.Go(func() {
					if err := j.Tick(t.Context()); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			e.mustTick(e.job)
			e.mustTick(j2)
			var want []string
			for i := range 5 {
				want = append(want, fmt.Sprintf("c%d: %s", i, cveB))
			}
			e.wantTold(want...)
		})
	}
}

// TestStoryTheServerGot: an addition the server was sent a story about
// says so, with that guild's stories only; a story posted in another
// channel of the server keeps its message but not its title and link, as
// in /cve.
func TestStoryTheServerGot(t *testing.T) {
	e := newEnv(t)
	e.alertsOn("g1", "c1", true)
	e.alertsOn("g2", "c2", true)
	posted := t0.Add(-24 * time.Hour)
	if err := e.store.RecordPostedCVEs(t.Context(), []news.PostedCVE{
		{GuildID: "g1", ChannelID: "digest", MessageID: "d1",
			CVE: cveB, Title: "Gateway zero-day", URL: "https://news.example/gw", PostedAt: posted},
		{GuildID: "g1", ChannelID: "c1", MessageID: "s1",
			CVE: cveB, Title: "Gateway patch", URL: "https://news.example/patch", PostedAt: posted.Add(-time.Hour)},
	}); err != nil {
		t.Fatal(err)
	}
	e.catalog(cveA)
	e.catalog(cveA, cveB)
	e.mustTick(e.job)
	e.wantTold("c1: "+cveB, "c2: "+cveB)
	for _, m := range e.poster.msgs {
		a := m.alerts[0]
		if a.Intel.KEV == nil || a.Intel.KEV.CVEID != cveB || a.Entry.VulnerabilityName != "Acme Gateway flaw" {
			t.Errorf("alert %+v lacks its entry", a)
		}
		switch m.channelID {
		case "c1":
			if len(a.Stories) != 2 {
				t.Fatalf("c1's alert stories = %+v, want g1's two stories", a.Stories)
			}
			other, here := a.Stories[0], a.Stories[1]
			if other.ChannelID != "digest" || other.MessageID != "d1" || other.Title != "" || other.URL != "" ||
				!other.PostedAt.Equal(posted) {
				t.Errorf("c1's alert names the other channel's story %+v, want its message without title and link", other)
			}
			if here.ChannelID != "c1" || here.MessageID != "s1" || here.Title != "Gateway patch" ||
				here.URL != "https://news.example/patch" || !here.PostedAt.Equal(posted.Add(-time.Hour)) {
				t.Errorf("c1's alert story of c1 = %+v, want its title and link", here)
			}
		case "c2":
			if len(a.Stories) != 0 {
				t.Errorf("c2's alert names another server's story: %+v", a.Stories)
			}
		}
	}
}

// TestFailedPostIsRetried: a post that fails is tried again after a
// backoff, then told once; one Discord refuses for good is given up and
// the channel moves on.
func TestFailedPostIsRetried(t *testing.T) {
	e := newEnv(t)
	e.alertsOn("g1", "flaky", true)
	e.alertsOn("g1", "gone", true)
	down := true
	e.poster.fail = func(channelID string) error {
		switch {
		case channelID == "gone":
			return fmt.Errorf("unknown channel: %w", news.ErrUndeliverable)
		case down:
			return errors.New("discord is down")
		}
		return nil
	}
	e.catalog(cveA)
	e.catalog(cveA, cveB)
	if err := e.tick(e.job); err == nil {
		t.Error("a tick whose posts failed reported no error")
	}
	e.tick(e.job) // within the backoff: not tried
	down = false
	e.wantTold()
	e.clock.Advance(backoff(1))
	e.mustTick(e.job)
	e.mustTick(e.job)
	e.wantTold("flaky: " + cveB)
	if _, _, found, err := e.store.KEVAlertSent(t.Context(), "gone", cveB); err != nil || found {
		t.Errorf("gone's alert sent = %v, %v", found, err)
	}
	if due, err := e.store.DueKEVAlertChannels(t.Context(), 10); err != nil || len(due) != 0 {
		t.Errorf("due = %+v, %v; want none: the refused alert was given up", due, err)
	}
}

// TestGivesUpAfterAttempts: an alert that keeps failing is given up after
// Options.Attempts.
func TestGivesUpAfterAttempts(t *testing.T) {
	e := newEnv(t)
	e.alertsOn("g1", "c1", true)
	calls := 0
	e.poster.fail = func(string) error { calls++; return errors.New("down") }
	j := New(e.store, storeIntel{e.store}, e.poster, Options{Clock: e.clock, Attempts: 3}, nil)
	e.catalog(cveA)
	e.catalog(cveA, cveB)
	for range 10 {
		e.tick(j)
		e.clock.Advance(retryMax)
	}
	if calls != 3 {
		t.Errorf("%d attempts, want 3", calls)
	}
}

// TestRunTicksOnTheClock: Run looks at once, then every Interval.
func TestRunTicksOnTheClock(t *testing.T) {
	e := newEnv(t)
	e.alertsOn("g1", "c1", true)
	e.catalog(cveA)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.job.Run(ctx) }()
	if err := e.clock.WaitPending(ctx, 1); err != nil {
		t.Fatal(err)
	}
	e.catalog(cveA, cveB) // advances a minute: the next tick
	if err := e.clock.WaitPending(ctx, 1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(e.poster.told()) == 0 && time.Now().Before(deadline) {
		if _, err := e.clock.AdvanceToNext(ctx); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	e.wantTold("c1: " + cveB)
}
