package digest

import (
	"slices"

	"github.com/secbrief/secbrief/internal/defaults"
	"github.com/secbrief/secbrief/news"
)

// DefaultMaxCandidates is digest.max_candidates's default: the most unseen
// items one digest considers.
const DefaultMaxCandidates = defaults.DigestMaxCandidates

// candidates splits a channel's unseen items into the newest max (by
// published time, in their original order, which clustering keeps) and
// the older rest. A channel subscribed to a flood of feeds gets a digest of
// what is newest, clustered in bounded time; the rest is never posted
// late: the digest delivers it unshown (overflowItems).
func candidates(items []news.Item, max int) (keep, overflow []news.Item) {
	if max <= 0 || len(items) <= max {
		return items, nil
	}
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return items[b].Published.Compare(items[a].Published) })
	newest := make([]bool, len(items))
	for _, i := range order[:max] {
		newest[i] = true
	}
	keep = make([]news.Item, 0, max)
	for i, it := range items {
		if newest[i] {
			keep = append(keep, it)
		} else {
			overflow = append(overflow, it)
		}
	}
	return keep, overflow
}

// overflowItems lists the items a digest did not consider as delivered by
// it, for good (Summarized), so they are marked seen when it is posted.
func overflowItems(items []news.Item) []news.DigestItem {
	out := make([]news.DigestItem, len(items))
	for i, it := range items {
		out[i] = news.DigestItem{FeedURL: it.FeedURL, ItemID: it.ID, Summarized: true}
	}
	return out
}
