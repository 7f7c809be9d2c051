// Package digest turns a channel's unseen feed items into a digest: items
// that cover one event become one story (Cluster), stories are ranked on
// what is known without the LLM (PreRank), the leads of the first
// max_items plus a small margin are summarized cache-first with bounded
// concurrency and a per-guild token budget, those are ranked and capped
// (Rank, Cap) and every other story is listed by its headline; the digest is
// recorded before it is posted and its items, headlines included, are
// marked delivered when its last message is recorded (Runner). New
// coverage of a story the channel was posted in the last 7 days is shown
// again only as an update with news (a new CVE or GHSA id, exploitation,
// a patch), and otherwise delivered unshown.
// Scheduler runs each channel's digest on its own cron schedule and time
// zone.
package digest

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/secbrief/secbrief/internal/clock"
	"github.com/secbrief/secbrief/internal/defaults"
	"github.com/secbrief/secbrief/news"
)

// Errors callers branch on.
var (
	// ErrAlreadyRun: the channel's digest for that slot exists already.
	ErrAlreadyRun = errors.New("digest for this slot already run")
	// ErrAbandoned: a recorded digest was given up (undeliverable, out of
	// post attempts or too old to resume). It is not resumed again and its
	// items are offered to the channel's next digest.
	ErrAbandoned = errors.New("digest abandoned")
)

// Defaults for zero Config fields.
const (
	DefaultMaxItems    = defaults.DigestMaxItems // digest.max_items's default
	DefaultLookback    = defaults.DigestLookback // digest.lookback's default
	DefaultWindow      = 7 * 24 * time.Hour      // items further apart are never one story
	DefaultConcurrency = defaults.LLMConcurrency // main passes llm.concurrency
	DefaultTeaserRunes = 600
	// DefaultMaxPostAttempts bounds the failed attempts to post one
	// recorded digest (its first post and its resumes).
	DefaultMaxPostAttempts = 3
	// DefaultMaxUnfinishedAge is how old an unfinished digest may be and
	// still be resumed.
	DefaultMaxUnfinishedAge = 24 * time.Hour
)

// Config wires a Runner. Store, Summarizer and Poster are required.
type Config struct {
	Store      Store
	Summarizer Summarizer
	Poster     Poster
	Poller     Poller  // optional: no poll before the digest
	Fetcher    Fetcher // optional: teasers are summarized as they are
	// Intel, when set, says what is known of the stories' CVEs (KEV,
	// EPSS, CVSS): stories rank by it first (PreRank, Rank), so it also
	// decides which are summarized, and their CVEs show it (news.Story's
	// Intel). Without it stories rank as they always did.
	Intel Intel
	// Watched, when set, puts the stories a watch of the guild matches
	// first, in PreRank's order and in Rank's; the usual ranking orders
	// each part.
	Watched Watched
	// WithGuild attributes LLM usage to a guild (summarizer.WithGuild).
	WithGuild func(ctx context.Context, guildID string) context.Context
	// IsTeaser reports whether an item's content is only an excerpt, to
	// be replaced by the fetched page (feeds.IsTeaser); the default is
	// content shorter than DefaultTeaserRunes.
	IsTeaser func(news.Item) bool

	MaxItems int           // digest.max_items
	Lookback time.Duration // digest.lookback
	Window   time.Duration // stories group items published this close
	// Judge, when set (digest.llm_merge), decides the pairs of items
	// clustering is unsure about, in one request per digest.
	Judge MergeJudge
	// MaxCandidates is digest.max_candidates: the most unseen items a
	// digest considers, newest first (DefaultMaxCandidates); older ones are
	// delivered unshown by it.
	MaxCandidates int
	// GuildDailyTokens is limits.guild_daily_tokens; 0 means no budget.
	GuildDailyTokens int
	// Concurrency bounds the stories summarized at once (the summarizer
	// enforces llm.concurrency on LLM calls itself).
	Concurrency int
	// MaxPostAttempts bounds the failed attempts to post a recorded digest
	// (DefaultMaxPostAttempts); MaxUnfinishedAge is how long after it was
	// recorded it may still be resumed (DefaultMaxUnfinishedAge). Past
	// either, the digest is abandoned, with a warning, and its items are
	// offered again: one digest Discord keeps refusing never blocks its
	// channel.
	MaxPostAttempts  int
	MaxUnfinishedAge time.Duration
	// InShard reports whether a guild belongs to this process's shard
	// (Resume and TakeOver finish only those guilds' digests); nil means
	// every guild does, as with a store shared by every process.
	InShard func(guildID string) bool
	// Shared says the store is shared by processes that run the same
	// guilds' digests (PostgreSQL: every process runs every guild's).
	// Then a scheduled slot is claimed before it is prepared, and an
	// unfinished digest is resumed only under its lease (see leases.go).
	// Without it (SQLite, where the shard rule gives each guild one
	// process) slots are not claimed, and a digest is resumed whatever
	// its lease says: a lease on it can only be this process's own or its
	// dead predecessor's, which must not hold a restart back.
	Shared bool
	// Lease is storage.lease, how long the store keeps a claim or a
	// digest lease this process took (defaults.StorageLease when zero): it
	// renews them every third of a lease while it works, and checks every
	// half lease on a slot another process claimed.
	Lease time.Duration
	// Sleep waits d or until ctx ends (the wall clock by default; tests
	// inject a fake clock's).
	Sleep func(ctx context.Context, d time.Duration) error

	Now    func() time.Time
	Logger *slog.Logger
}

// location is the zone t's digest is dated in.
func location(t news.DigestTarget, slot time.Time) *time.Location {
	switch {
	case t.Location != nil:
		return t.Location
	case !slot.IsZero():
		return slot.Location()
	}
	return time.UTC
}

// Runner builds and posts digests. It is safe for concurrent use; runs for
// one channel are serialized.
type Runner struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	channels map[string]*sync.Mutex
}

// NewRunner returns a Runner for cfg, with defaults for zero fields.
func NewRunner(cfg Config) *Runner {
	if cfg.MaxItems == 0 {
		cfg.MaxItems = DefaultMaxItems
	}
	if cfg.Lookback <= 0 {
		cfg.Lookback = DefaultLookback
	}
	if cfg.MaxCandidates <= 0 {
		cfg.MaxCandidates = DefaultMaxCandidates
	}
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.MaxPostAttempts <= 0 {
		cfg.MaxPostAttempts = DefaultMaxPostAttempts
	}
	if cfg.MaxUnfinishedAge <= 0 {
		cfg.MaxUnfinishedAge = DefaultMaxUnfinishedAge
	}
	if cfg.InShard == nil {
		cfg.InShard = func(string) bool { return true }
	}
	if cfg.Lease <= 0 {
		cfg.Lease = defaults.StorageLease
	}
	if cfg.Sleep == nil {
		cfg.Sleep = clock.Wall{}.Sleep
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.WithGuild == nil {
		cfg.WithGuild = func(ctx context.Context, _ string) context.Context { return ctx }
	}
	if cfg.IsTeaser == nil {
		cfg.IsTeaser = func(it news.Item) bool { return len([]rune(it.Content)) < DefaultTeaserRunes }
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{cfg: cfg, log: log, channels: map[string]*sync.Mutex{}}
}

// lock serializes the runs of one channel.
func (r *Runner) lock(channelID string) func() {
	r.mu.Lock()
	m, ok := r.channels[channelID]
	if !ok {
		m = &sync.Mutex{}
		r.channels[channelID] = m
	}
	r.mu.Unlock()
	m.Lock()
	return m.Unlock
}

// Now posts a digest of what is new in t's channel at once (/digest now).
// It returns news.ErrNothingNew when there is nothing to post.
func (r *Runner) Now(ctx context.Context, t news.DigestTarget) (news.DigestResult, error) {
	return r.run(ctx, t, "now:"+r.cfg.Now().UTC().Format(time.RFC3339Nano), runNow, location(t, time.Time{}))
}

// Scheduled posts t's digest for the scheduled instant slot, at most once
// per slot, even across processes sharing the store: ErrAlreadyRun when
// that slot ran before (posted, or found nothing new), news.ErrNothingNew
// when there is nothing to post. With a shared store (Config.Shared) it
// claims the slot (the job "digest:<channel>:<slot>") before it polls or
// summarizes anything: ErrClaimed when another process holds that claim,
// ErrBusy when another process is posting an earlier digest of the
// channel.
func (r *Runner) Scheduled(ctx context.Context, t news.DigestTarget, slot time.Time) (news.DigestResult, error) {
	return r.run(ctx, t, slot.UTC().Format(time.RFC3339), runScheduled, location(t, slot))
}

// RunScheduled is Scheduled for SchedulerConfig.Run: it logs the outcome
// (nothing new and already run are not errors). When another process has
// the slot (ErrClaimed) or is posting the channel's previous digest
// (ErrBusy) it waits, and runs the slot itself only if that process dies
// before recording the slot's digest.
func (r *Runner) RunScheduled(ctx context.Context, t news.DigestTarget, slot time.Time) {
	log := r.log.With("guild_id", t.GuildID, "channel_id", t.ChannelID, "slot", slot.UTC())
	res, err := r.Scheduled(ctx, t, slot)
	if errors.Is(err, ErrClaimed) || errors.Is(err, ErrBusy) {
		log.Debug("scheduled digest left to another process; watching it", "reason", err)
		res, err = r.awaitSlot(ctx, t, slot, err, log)
		if errors.Is(err, errStoppedWaiting) {
			log.Debug("scheduled digest: stopped waiting for another process", "reason", err)
			return
		}
	}
	switch {
	case errors.Is(err, news.ErrNothingNew), errors.Is(err, ErrAlreadyRun):
		log.Info("scheduled digest skipped", "reason", err)
	case err != nil:
		log.Error("scheduled digest failed", "err", err)
	default:
		log.Info("scheduled digest posted", "digest_id", res.DigestID, "stories", len(res.Digest.Stories))
	}
}

// Resume finishes every digest that was recorded but not completely posted
// (a crash or a Discord failure in the middle), of every channel of the
// guilds in this shard (Config.InShard). Call it at start; runs for a
// channel also resume that channel's digests first. A digest given up
// (ErrAbandoned) is logged, not returned: only digests that stay to be
// resumed make an error.
func (r *Runner) Resume(ctx context.Context) error {
	runs, err := r.cfg.Store.UnfinishedDigests(ctx, "")
	if err != nil {
		return err
	}
	var errs []error
	for _, run := range runs {
		if !r.cfg.InShard(run.GuildID) {
			continue
		}
		unlock := r.lock(run.ChannelID)
		err := r.resume(ctx, run)
		unlock()
		switch {
		case errors.Is(err, ErrBusy):
			// Another process posts it; if that process died, TakeOver
			// resumes it once its lease lapsed.
			r.log.Debug("unfinished digest left to the process posting it", "digest_id", run.ID,
				"channel_id", run.ChannelID)
		case !errors.Is(err, ErrAbandoned):
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// runMode is what asked for a run.
type runMode int

const (
	runNow       runMode = iota // /digest now
	runScheduled                // a scheduled slot
	runTakeOver                 // a scheduled slot whose claim lapsed in another process
)

func (r *Runner) run(ctx context.Context, t news.DigestTarget, slot string, mode runMode, loc *time.Location) (news.DigestResult, error) {
	defer r.lock(t.ChannelID)()
	log := r.log.With("guild_id", t.GuildID, "channel_id", t.ChannelID, "slot", slot)
	scheduled := mode != runNow
	releaseSlot := func() {}
	if scheduled && r.cfg.Shared {
		// Claimed before anything is polled or summarized: of processes
		// sharing the store, one prepares the slot.
		release, err := r.holdSlot(ctx, slotKey(t.ChannelID, slot), mode == runTakeOver, log)
		if err != nil {
			return news.DigestResult{}, err
		}
		defer release()
		releaseSlot = release
	}

	unfinished, err := r.cfg.Store.UnfinishedDigests(ctx, t.ChannelID)
	if err != nil {
		return news.DigestResult{}, err
	}
	for _, run := range unfinished {
		log.Info("resuming digest", "digest_id", run.ID, "state", run.State, "attempts", run.Attempts)
		// An abandoned digest (logged) no longer holds the channel's new
		// digest back; one that will be resumed later, or that another
		// process is posting (ErrBusy), does, so digests are posted in
		// order.
		err := r.resume(ctx, run)
		if errors.Is(err, ErrBusy) && scheduled && run.Slot == slot {
			return news.DigestResult{}, ErrAlreadyRun // this slot's digest, posted by another process
		}
		if err != nil && !errors.Is(err, ErrAbandoned) {
			return news.DigestResult{}, err
		}
	}
	if scheduled {
		if _, err := r.cfg.Store.DigestBySlot(ctx, t.ChannelID, slot); err == nil {
			return news.DigestResult{}, ErrAlreadyRun
		} else if !errors.Is(err, news.ErrNotFound) {
			return news.DigestResult{}, err
		}
	}

	d, items, err := r.build(ctx, t, loc)
	if errors.Is(err, news.ErrNothingNew) && (scheduled || len(items) > 0) {
		// Remember that the slot ran, so a restart does not run it again,
		// and mark seen the items the digest decided not to show.
		run := news.DigestRun{GuildID: t.GuildID, ChannelID: t.ChannelID, Slot: slot, Digest: d, Items: items}
		var cerr error
		if len(items) > 0 {
			_, cerr = r.cfg.Store.RecordUnshown(ctx, run)
			log.Info("nothing new to show; items marked seen", "items", len(items))
		} else {
			_, cerr = r.cfg.Store.CreateDigest(ctx, run)
		}
		if cerr != nil && !errors.Is(cerr, news.ErrDigestExists) {
			return news.DigestResult{}, cerr
		}
	}
	if err != nil {
		return news.DigestResult{}, err
	}

	run := news.DigestRun{GuildID: t.GuildID, ChannelID: t.ChannelID, Slot: slot, Digest: d, Items: items}
	run.ID, err = r.cfg.Store.CreateDigest(ctx, run)
	if errors.Is(err, news.ErrDigestExists) {
		return news.DigestResult{}, ErrAlreadyRun
	}
	if err != nil {
		return news.DigestResult{}, err
	}
	// The slot is recorded: from here the digest's own lease (this
	// process's, from CreateDigest) says who posts it.
	releaseSlot()
	log.Info("digest recorded", "digest_id", run.ID, "stories", len(d.Stories), "headlines", len(d.Headlines))
	return r.post(ctx, run)
}

// Build polls t's guild's feeds and builds the digest of t's unseen items,
// summarized, ranked and capped, without recording or posting anything
// (the CLI's dry run uses it). news.ErrNothingNew when there are no items.
// The digest is dated in t.Location (UTC when nil).
func (r *Runner) Build(ctx context.Context, t news.DigestTarget) (news.Digest, error) {
	d, _, err := r.build(ctx, t, location(t, time.Time{}))
	return d, err
}

// build is Build with the digest dated in loc (a digest at 07:00 in Tokyo
// is 22:00 UTC the day before, and must say today's date), returning also
// the items the digest delivers. Stories are clustered, pre-ranked without
// the LLM (PreRank), and only the first max_items + summaryMargin are
// summarized; those are ranked (Rank) and the first max_items shown in
// full. Both ranks put first the stories whose CVEs the Intel source knows
// to be exploited (KEV), likely to be (EPSS) or critical (CVSS). Every
// other story is listed by its headline (news.Digest.Headlines).
// Only the newest MaxCandidates unseen items are considered; the older
// ones are delivered by the digest without being shown (marked seen).
// Items are clustered together with the stories the channel was posted
// within PostedWindow: new coverage of one of those is shown once more, as
// an Update with the new links only, when it has news (a new CVE or GHSA
// id, reported exploitation, a patch among its summary's actions), and is
// otherwise delivered unshown. When nothing is left to show, build returns
// news.ErrNothingNew with the items to deliver unshown.
func (r *Runner) build(ctx context.Context, t news.DigestTarget, loc *time.Location) (news.Digest, []news.DigestItem, error) {
	now := r.cfg.Now()
	d := news.Digest{GuildID: t.GuildID, ChannelID: t.ChannelID, At: now.In(loc)}
	r.poll(ctx, t.GuildID)
	items, err := r.cfg.Store.UnseenItems(ctx, news.UnseenQuery{GuildID: t.GuildID,
		ChannelID: t.ChannelID, Now: now, Lookback: r.cfg.Lookback})
	if err != nil {
		return d, nil, err
	}
	if len(items) == 0 {
		return d, nil, news.ErrNothingNew
	}
	items, overflow := candidates(items, r.cfg.MaxCandidates)
	if len(overflow) > 0 {
		r.log.Info("digest candidates capped: older items marked seen", "guild_id", t.GuildID,
			"channel_id", t.ChannelID, "candidates", len(items), "marked_seen", len(overflow))
	}
	posted, err := r.postedStories(ctx, t, now, items)
	if err != nil {
		return d, nil, err
	}
	stories, ups, feats := r.clusterWithPosted(ctx, t.GuildID, items, posted)
	// What is known of the CVEs the items name decides, first, which
	// stories are summarized; the ids that fetched texts and summaries add
	// are looked up before the final rank.
	known := intelCache{}
	r.attachIntel(ctx, t.GuildID, known, stories)
	PreRank(stories, now, r.cfg.Lookback)
	r.promoteWatched(ctx, t.GuildID, stories)
	budget := len(stories)
	if r.cfg.MaxItems > 0 {
		budget = r.cfg.MaxItems + summaryMargin
	}
	picked, rest := r.summarize(ctx, t.GuildID, stories, budget, feats)
	// New coverage of a story the channel was posted is shown only when it
	// has news; otherwise it is delivered unshown (marked seen), a picked
	// one without a summary offered once more like any other.
	picked, seenPicked := r.splitUpdates(t, loc, picked, ups)
	rest, seenRest := r.splitUpdates(t, loc, rest, ups)
	r.attachIntel(ctx, t.GuildID, known, picked)
	Rank(picked)
	r.promoteWatched(ctx, t.GuildID, picked)
	shown, _ := Cap(picked, r.cfg.MaxItems)
	demoted := picked[len(shown):]
	d.Stories = shown
	for _, s := range append(slices.Clone(demoted), rest...) {
		d.Headlines = append(d.Headlines, headline(s))
	}
	delivered := slices.Concat(digestItems(slices.Concat(picked, seenPicked), false),
		digestItems(slices.Concat(rest, seenRest), true), overflowItems(overflow))
	if len(d.Stories) == 0 && len(d.Headlines) == 0 {
		// Nothing to show; the items are still delivered (RecordUnshown).
		return d, delivered, news.ErrNothingNew
	}
	return d, delivered, nil
}

// poll polls the guild's enabled feeds, logging failures.
func (r *Runner) poll(ctx context.Context, guildID string) {
	if r.cfg.Poller == nil {
		return
	}
	states, err := r.cfg.Store.GuildFeeds(ctx, guildID)
	if err != nil {
		r.log.Warn("poll before digest: guild feeds", "guild_id", guildID, "err", err)
		return
	}
	var urls []string
	for _, st := range states {
		if !st.Disabled() {
			urls = append(urls, st.URL)
		}
	}
	if len(urls) == 0 {
		return
	}
	if _, err := r.cfg.Poller.PollFeeds(ctx, urls); err != nil {
		r.log.Warn("poll before digest failed", "guild_id", guildID, "err", err)
	}
}

// digestItems lists the items of stories for the digest that delivers
// them. The items of a story that was to be summarized are Summarized when
// it got a summary; without one (LLM failure, budget spent) they are
// offered to the channel's next digest once more. headlineOnly stories were
// never to be summarized: listing their headline delivers them for good.
func digestItems(stories []news.Story, headlineOnly bool) []news.DigestItem {
	var out []news.DigestItem
	for _, s := range stories {
		for _, it := range append([]news.Item{s.Lead}, s.Others...) {
			out = append(out, news.DigestItem{FeedURL: it.FeedURL, ItemID: it.ID, Summarized: headlineOnly || s.Summary != nil})
		}
	}
	return out
}

// headline is s as the digest lists it by headline: its items without
// their content, and no summary, which keeps a recorded digest of hundreds
// of stories small.
func headline(s news.Story) news.Story {
	h := news.Story{Lead: s.Lead, CVEs: s.CVEs, Update: s.Update, FirstPosted: s.FirstPosted} // no Intel: no badges on a headline
	h.Lead.Content = ""
	for _, o := range s.Others {
		o.Content = ""
		h.Others = append(h.Others, o)
	}
	return h
}
