package digest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/secbrief/secbrief/news"
)

// MergeJudge decides whether pairs of items report the same story
// (summarizer.Judge, with digest.llm_merge). Each text is an item's title
// and first sentences, "title | first sentences"; the answer has one
// verdict per pair.
type MergeJudge interface {
	SameStory(ctx context.Context, pairs [][2]string) ([]bool, error)
}

const (
	// maxJudgedPairs is the most unsure pairs one digest asks the judge
	// about, the most sure-ish first (summarizer.JudgeMaxPairs).
	maxJudgedPairs = 20
	// judgeLeadRunes is how much of an item's first sentences the judge
	// reads.
	judgeLeadRunes = 200
)

// ClusterJudged is Cluster with the pairs it is unsure about (items that
// share a rare name but fall short of the evidence Cluster needs) decided
// by judge, in one call: the pairs it says are one story are joined. On a
// judge error the stories are Cluster's and the error says why.
func ClusterJudged(ctx context.Context, items []news.Item, window time.Duration, judge MergeJudge) ([]news.Story, error) {
	c := link(items, window)
	err := c.judge(ctx, judge)
	return c.stories(), err
}

// judge asks judge about c's unsure pairs that are not one story yet, the
// surest first, at most maxJudgedPairs, and joins those it says are one.
func (c *clustering) judge(ctx context.Context, judge MergeJudge) error {
	var pairs []unsurePair
	for _, p := range c.unsure {
		if c.uf.find(p.a) != c.uf.find(p.b) {
			pairs = append(pairs, p)
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	slices.SortStableFunc(pairs, func(x, y unsurePair) int { return cmp.Compare(y.strength, x.strength) })
	pairs = pairs[:min(len(pairs), maxJudgedPairs)]
	texts := make([][2]string, len(pairs))
	for k, p := range pairs {
		texts[k] = [2]string{judgeText(c.cs[p.a].item), judgeText(c.cs[p.b].item)}
	}
	verdicts, err := judge.SameStory(ctx, texts)
	if err == nil && len(verdicts) != len(pairs) {
		err = fmt.Errorf("%d verdicts for %d pairs", len(verdicts), len(pairs))
	}
	if err != nil {
		return fmt.Errorf("merge judge: %w", err)
	}
	for k, p := range pairs {
		if verdicts[k] {
			c.uf.union(p.a, p.b)
		}
	}
	return nil
}

// judgeText is what the judge reads of an item: its title and first
// sentences.
func judgeText(it news.Item) string {
	return it.Title + " | " + leadText(it.Content, judgeLeadRunes)
}

// cluster links a guild's items into stories: with Config.Judge (and the
// guild's token budget not spent) the unsure pairs are judged, billed to
// the guild; a judge failure is logged and leaves them apart.
func (r *Runner) cluster(ctx context.Context, guildID string, items []news.Item) *clustering {
	c := link(items, r.cfg.Window)
	if r.cfg.Judge == nil {
		return c
	}
	var spent atomic.Bool
	if r.budgetSpent(ctx, guildID, &spent) {
		r.log.Info("llm merge skipped: daily token budget spent", "guild_id", guildID)
		return c
	}
	if err := c.judge(r.cfg.WithGuild(ctx, guildID), r.cfg.Judge); err != nil {
		r.log.Warn("llm merge failed; unsure pairs kept apart", "guild_id", guildID, "err", err)
	}
	return c
}
