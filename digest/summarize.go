package digest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/secbrief/secbrief/news"
)

// summaryMargin is how many stories beyond max_items are summarized: a
// few stories that the final rank (by the summaries' severity) demotes, or
// that MergeByCVE joins, still leave max_items summarized entries. Joins
// only shrink the set, so a digest makes at most max_items + summaryMargin
// summary calls.
const summaryMargin = 3

// summarize takes the first n of the pre-ranked stories (PreRank) as the
// ones to summarize: it gets the text of each one's lead (adding the CVEs
// it names to the story's), joins the stories that now share a CVE
// (MergeByCVE, over all stories, so a headline covering the same flaw joins
// its summarized story), and sets the Summary of each picked story's lead,
// at most cfg.Concurrency at a time. It returns the picked stories and the
// rest, both in pre-rank order; the rest cost no fetch and no LLM call.
// Cached summaries are always used. A picked story is left without a
// summary (Summary nil: the digest shows its headline, source and first
// sentences, marked not summarized) when the LLM fails for it or the
// guild's daily token budget is spent; its items are then delivered as
// unsummarized and offered to the channel's next digest once more, to be
// summarized then.
func (r *Runner) summarize(ctx context.Context, guildID string, stories []news.Story, n int, f *features) (picked, rest []news.Story) {
	ctx = r.cfg.WithGuild(ctx, guildID)
	n = min(max(n, 0), len(stories))
	// First the text of every picked lead: the fetched full text may name
	// CVEs the feed's teaser did not, which can join stories, and a joined
	// story is summarized once.
	texts := make(map[string]news.Article, n)
	var mu sync.Mutex
	g := errgroup.Group{}
	g.SetLimit(r.cfg.Concurrency)
	for i := range stories[:n] {
		g.Go(func() error {
			art := r.article(ctx, stories[i].Lead)
			cves := append(slices.Clone(stories[i].CVEs), CVEs(art.Text)...)
			slices.Sort(cves)
			stories[i].CVEs = slices.Compact(cves)
			mu.Lock()
			texts[stories[i].Lead.Key()] = art
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait() // the goroutines report nothing: a failed fetch keeps the teaser
	// The picked stories come first, so a group holding one keeps a picked
	// lead (MergeByCVE keeps its first story's lead) and comes out first.
	for _, s := range MergeByCVE(stories, r.cfg.Window) {
		if _, ok := texts[s.Lead.Key()]; ok {
			picked = append(picked, s)
		} else {
			rest = append(rest, s)
		}
	}

	var spent atomic.Bool
	for i := range picked {
		g.Go(func() error {
			picked[i].Summary = r.summarizeStory(ctx, guildID, picked[i], texts[picked[i].Lead.Key()], &spent)
			return nil
		})
	}
	_ = g.Wait() // failures degrade the story
	return joinSummarized(picked, f, r.cfg.Window), rest
}

// joinSummarized joins the summarized stories that the summaries show to
// be one: those whose summaries name a common CVE id (MergeByCVE, with the
// summaries' ids added to the stories'), then those whose summaries'
// affected products share the run's rare names (mergeByAffected, f being
// the run's clustering features).
func joinSummarized(stories []news.Story, f *features, window time.Duration) []news.Story {
	for i, s := range stories {
		if s.Summary == nil || len(s.Summary.CVEs) == 0 {
			continue
		}
		cves := append(slices.Clone(s.CVEs), CVEs(s.Summary.CVEs...)...)
		slices.Sort(cves)
		stories[i].CVEs = slices.Compact(cves)
	}
	return mergeByAffected(MergeByCVE(stories, window), f, window)
}

// summarizeStory returns the summary of s's lead, or nil.
func (r *Runner) summarizeStory(ctx context.Context, guildID string, s news.Story, art news.Article, spent *atomic.Bool) *news.Summary {
	log := r.log.With("guild_id", guildID, "feed_url", s.Lead.FeedURL, "item_id", s.Lead.ID)
	if art.Text == "" {
		log.Info("story not summarized: no text")
		return nil
	}
	if sum, ok, err := r.cfg.Summarizer.Cached(ctx, art); err != nil {
		log.Warn("summary cache", "err", err)
	} else if ok {
		return &sum
	}
	if r.budgetSpent(ctx, guildID, spent) {
		log.Info("story not summarized: daily token budget spent")
		return nil
	}
	sum, err := r.cfg.Summarizer.Summarize(ctx, art)
	if errors.Is(err, news.ErrBudgetSpent) {
		// Other work (another digest, a /summarize, maybe in another
		// process) took the rest of the budget after budgetSpent looked.
		spent.Store(true)
		log.Info("story not summarized: daily token budget spent", "err", err)
		return nil
	}
	if err != nil {
		log.Warn("story not summarized", "err", err)
		return nil
	}
	return &sum
}

// budgetSpent reports whether the guild used its daily token budget today
// (UTC), its requests in flight included. Once it reports true for a digest
// it stays true for that digest. It is the cheap check; the summarizer's
// reservation of each request is the one that holds across processes.
func (r *Runner) budgetSpent(ctx context.Context, guildID string, spent *atomic.Bool) bool {
	if r.cfg.GuildDailyTokens <= 0 {
		return false
	}
	if spent.Load() {
		return true
	}
	used, err := r.cfg.Store.TokensOn(ctx, guildID, r.cfg.Now().UTC().Format("2006-01-02"))
	if err != nil {
		r.log.Warn("token usage", "guild_id", guildID, "err", err)
		return false
	}
	if used >= r.cfg.GuildDailyTokens {
		spent.Store(true)
		return true
	}
	return false
}

// article is the text to summarize for item: its content, or the fetched
// page when the content is only a teaser (the teaser when the fetch fails).
// Text from the feed keeps the feed and item it came from: it belongs to
// that item and never stands for the page at it.Link (another server may
// /summarize that link, and must get the page, not this feed's words).
func (r *Runner) article(ctx context.Context, it news.Item) news.Article {
	a := it.Article()
	if r.cfg.Fetcher == nil || it.Link == "" || !r.cfg.IsTeaser(it) {
		return a
	}
	full, err := r.cfg.Fetcher.Fetch(ctx, it.Link)
	if err != nil {
		r.log.Info("full text fetch failed; using the feed's text", "feed_url", it.FeedURL, "url", it.Link, "err", err)
		return a
	}
	return full.FillFrom(a)
}
