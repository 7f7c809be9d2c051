package digest

import (
	"slices"
	"time"

	"github.com/secbrief/secbrief/news"
)

// mergeByAffected joins summarized stories whose summaries' affected
// products share a rare name of the run (f: the clustering's names and
// their weights over the run's items), once summaries exist: two outlets
// that word one event too differently to cluster still name the product
// it hits. It is conservative, as sameStory is:
//   - the rare names both affected lists carry must outweigh those only
//     one of them carries (a vendor's two products, "Ivanti Connect
//     Secure" and "Ivanti EPMM", share the vendor and differ in more);
//     big vendors and generic words are never names, so "Microsoft"
//     alone joins nothing;
//   - stories that both name CVE ids but share none are different flaws;
//   - stories with an outlet in common are that outlet's separate
//     articles (JVN's three LG Simple Editor advisories);
//   - leads must be published within window of each other.
//
// Terms the run's items never use have no rarity and do not count.
// Stories are found through an index of their affected names. Merged
// stories are joined as by MergeByCVE; order follows the first story of
// each group.
func mergeByAffected(stories []news.Story, f *features, window time.Duration) []news.Story {
	if f == nil {
		return stories
	}
	names := make([][]int32, len(stories))
	postings := map[int32][]int{}
	for i, s := range stories {
		if s.Summary == nil {
			continue
		}
		names[i] = f.affectedNames(s.Summary.Affected)
		for _, t := range names[i] {
			postings[t] = append(postings[t], i)
		}
	}
	uf := newUnionFind(len(stories))
	for i := range stories {
		for _, t := range names[i] {
			for _, j := range postings[t] {
				if j <= i || uf.find(i) == uf.find(j) {
					continue
				}
				if near(stories[i].Lead.Published, stories[j].Lead.Published, window) &&
					!differentFlaws(stories[i], stories[j]) && !shareOutlet(stories[i], stories[j]) && f.sameAffected(names[i], names[j]) {
					uf.union(i, j)
				}
			}
		}
	}
	return joinGroups(stories, uf)
}

// affectedNames are the run's rare names among the words of affected
// (sorted, unique).
func (f *features) affectedNames(affected []string) []int32 {
	var out []int32
	for _, a := range affected {
		for _, w := range words(a, false, false) {
			if id, ok := f.voc.ids[w.term]; ok && f.name[id] {
				out = append(out, id)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// sameAffected reports whether the names two affected lists share
// outweigh the names only one carries.
func (f *features) sameAffected(a, b []int32) bool {
	var shared, missing float64
	for _, t := range a {
		if _, ok := slices.BinarySearch(b, t); ok {
			shared += f.idf[t]
		} else {
			missing += f.idf[t]
		}
	}
	for _, t := range b {
		if _, ok := slices.BinarySearch(a, t); !ok {
			missing += f.idf[t]
		}
	}
	return shared > 0 && shared > missing
}

// differentFlaws reports whether a and b both name CVE ids and share none.
func differentFlaws(a, b news.Story) bool {
	if len(a.CVEs) == 0 || len(b.CVEs) == 0 {
		return false
	}
	for _, id := range a.CVEs {
		if slices.Contains(b.CVEs, id) {
			return false
		}
	}
	return true
}

// shareOutlet reports whether a feed carried items of both a and b.
func shareOutlet(a, b news.Story) bool {
	feeds := map[string]bool{}
	for _, it := range append([]news.Item{a.Lead}, a.Others...) {
		feeds[it.FeedURL] = true
	}
	for _, it := range append([]news.Item{b.Lead}, b.Others...) {
		if feeds[it.FeedURL] {
			return true
		}
	}
	return false
}
