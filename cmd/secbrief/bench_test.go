//go:build unix

package main

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/secbrief/secbrief/config"
	"github.com/secbrief/secbrief/internal/fakediscord"
	"github.com/secbrief/secbrief/internal/latency"
	"github.com/secbrief/secbrief/internal/pgtest"
)

// Issue 3's bar: 200 concurrent /summarize of a cached article, p99 from
// dispatch to the first callback under 50 ms.
const (
	benchBurst      = 200
	benchLatencyBar = 50 * time.Millisecond
)

// BenchmarkCachedSummarizeInteractions runs the whole bot (openApp and
// newBot, as `secbrief run` wires them) against the fakes. After one
// /summarize warms the cache, each iteration dispatches benchBurst
// /summarize interactions of that URL at once, from distinct users, and
// waits until every one is answered with its embed and has its thread,
// opened and recorded. It reports the first-callback latency (dispatch →
// the callback's arrival at fakediscord) as p50/p99/max, and fails when an
// answer is missing, a request was refused by Discord, anything could ping,
// or the cache was missed (a deferral, a fetch or an LLM call).
func BenchmarkCachedSummarizeInteractions(b *testing.B) {
	benchCachedSummarize(b, newHarness(b))
}

// BenchmarkCachedSummarizeInteractionsPostgres is the same with the store
// in PostgreSQL (issue 13's bar: a cached /summarize stays under 5 ms
// in-process; the p50 reported is that figure, the p99 the burst's).
func BenchmarkCachedSummarizeInteractionsPostgres(b *testing.B) {
	h := newHarness(b)
	h.cfg.Storage.Driver = config.DriverPostgres
	h.cfg.Storage.DSN = config.Secret(pgtest.New(b))
	benchCachedSummarize(b, h)
}

func benchCachedSummarize(b *testing.B, h *harness) {
	h.cfg.Log.Level = "info"  // the production default, not the tests' debug
	defer tuneGC(os.Getenv)() // as secbrief run does
	h.start()
	link := h.site.URL + "/advisory"
	warm := h.settled(h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", link))))
	if warm.Original == nil || len(warm.Original.Embeds) != 1 {
		b.Fatalf("warm-up summary not delivered: %+v", warm)
	}
	h.waitThreadRecorded(warm.Original.ID)
	fetches, calls := h.site.Fetches("/advisory"), h.llm.Calls()

	// burst answers benchBurst interactions and waits for their threads.
	// One unmeasured burst first: a running bot has its REST connections
	// open (discordgo and the fake speak HTTP/1.1 here, a connection per
	// request in flight).
	burst := func() []time.Duration {
		var lat []time.Duration
		var answers []string
		ds := h.dispatchBurst(link, benchBurst)
		h.waitAcked(ds)
		for _, d := range ds {
			l, msgID := h.cachedAnswer(d)
			lat, answers = append(lat, l), append(answers, msgID)
		}
		for _, id := range answers {
			h.waitThreadRecorded(id)
		}
		// Checked burst by burst, then forgotten: the fake's records of a
		// whole run would be most of the heap of the process measured.
		reqs := h.dc.TakeRequests()
		h.checkRefusals(reqs)
		h.checkNoPingsIn(reqs)
		return lat
	}
	warmed := len(burst())

	var lat []time.Duration
	cpu0 := latency.CPU(b)
	for b.Loop() {
		lat = append(lat, burst()...)
	}
	elapsed, cpu := b.Elapsed(), latency.CPU(b)-cpu0

	if f, c := h.site.Fetches("/advisory"), h.llm.Calls(); f != fetches || c != calls {
		b.Errorf("cache missed: fetches %d→%d, LLM calls %d→%d", fetches, f, calls, c)
	}
	if n, want := len(h.dc.Threads()), 1+warmed+len(lat); n != want {
		b.Errorf("%d threads, want %d: one per public summary", n, want)
	}
	h.checkLogs()

	p99 := latency.Report(b, lat, cpu)
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "interactions/s")
	if p99 >= benchLatencyBar {
		b.Logf("p99 %v is over the issue's %v bar (%d interactions)", p99, benchLatencyBar, len(lat))
	}
}

// dispatchBurst dispatches n /summarize interactions of link back to back,
// each from a new user so the per-user limit never refuses one. They are
// built and encoded first: composing events is Discord's work, done on its
// machines, and the burst should cost the fake no more than writing them.
func (h *harness) dispatchBurst(link string, n int) []fakediscord.Dispatched {
	h.t.Helper()
	ps := make([]*fakediscord.Prepared, n)
	for i := range ps {
		spec := fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", link))
		spec.User = h.dc.NewUser(fmt.Sprintf("reader%d", i))
		p, err := h.dc.PrepareInteraction(spec)
		if err != nil {
			h.t.Fatalf("prepare: %v", err)
		}
		ps[i] = p
	}
	out, err := h.dc.DispatchPrepared(ps...)
	if err != nil {
		h.t.Fatalf("dispatch: %v", err)
	}
	return out
}

// waitAcked waits until every interaction of ds has its first response,
// cheaply: while the burst runs, the harness shares the machine with the
// bot.
func (h *harness) waitAcked(ds []fakediscord.Dispatched) {
	h.t.Helper()
	next := 0
	h.wait("burst acknowledged", func() bool {
		for next < len(ds) && h.dc.Acked(ds[next].ID) {
			next++
		}
		return next == len(ds)
	})
}

// cachedAnswer waits for d's final answer, checks it is the public summary
// embed answered directly (type 4: a cache hit needs no deferral), and
// returns the time from dispatch to that callback and the message's id.
func (h *harness) cachedAnswer(d fakediscord.Dispatched) (time.Duration, string) {
	h.t.Helper()
	st := h.settled(d)
	ack, _ := st.FirstAck()
	if ack.Type != 4 {
		h.t.Fatalf("interaction %s: first callback type %d, want 4 (cached answer at once)", d.ID, ack.Type)
	}
	if st.Original == nil || len(st.Original.Embeds) != 1 || st.Original.Ephemeral() {
		h.t.Fatalf("interaction %s: no public summary embed: %s", d.ID, finalText(st).text)
	}
	return ack.Latency, st.Original.ID
}

// waitThreadRecorded waits until the summary message msgID has its thread
// (on Discord a thread started from a message takes the message's id) and
// the store has recorded it against the article.
func (h *harness) waitThreadRecorded(msgID string) {
	h.t.Helper()
	ctx := context.Background()
	h.wait("thread on "+msgID, func() bool {
		if th, ok := h.dc.Channel(msgID); !ok || !th.IsThread() {
			return false // checked first: a map lookup, not a query
		}
		got, ok, err := h.app.store.Thread(ctx, msgID)
		return err == nil && ok && len(got.ArticleHashes) == 1
	})
}

// checkRefusals fails when Discord refused any of reqs: a 400 is a limit
// violation; other errors are not expected either.
func (h *harness) checkRefusals(reqs []fakediscord.Request) {
	h.t.Helper()
	for _, r := range reqs {
		if r.Status >= 400 {
			h.t.Errorf("Discord answered %s %s with %d: %s", r.Method, r.Route, r.Status, r.Body)
		}
	}
}
