package digest

import (
	"cmp"
	"slices"
	"time"
)

// linkByKey joins, for each key (a CVE or GHSA id, a title), the items
// (or stories) holding it that were published within window of each other.
// In time order each is joined to its predecessor when near it: the same
// groups as comparing every pair, in n log n. An undated one is near
// everything, so it joins all of its key's others.
func linkByKey(published func(int) time.Time, keys map[string][]int, window time.Duration, uf *unionFind) {
	for _, idx := range keys {
		if len(idx) < 2 {
			continue
		}
		slices.SortFunc(idx, func(i, j int) int {
			return cmp.Or(published(i).Compare(published(j)), cmp.Compare(i, j))
		})
		for k := 1; k < len(idx); k++ {
			a, b := published(idx[k-1]), published(idx[k])
			if a.IsZero() {
				for _, j := range idx[k:] {
					uf.union(idx[k-1], j)
				}
				continue
			}
			if near(a, b, window) {
				uf.union(idx[k-1], idx[k])
			}
		}
	}
}

// linkByNames compares only the pairs of items that share a rare name
// (the candidates of an inverted index from name to items) and are
// published within window of each other, and joins those sameStory
// accepts. Each pair is judged once; pairs already in one story are not
// judged again. It returns the unsure pairs.
func linkByNames(cs []clusterItem, f *features, window time.Duration, uf *unionFind) (unsurePairs []unsurePair) {
	postings := make(map[int32][]int)
	for i := range cs {
		for _, t := range cs[i].names {
			postings[t] = append(postings[t], i)
		}
	}
	mark := make([]int, len(cs)) // mark[j] == i+1: pair (i, j) judged
	for i := range cs {
		for _, t := range cs[i].names {
			list := postings[t]
			// Items are appended in index order: the candidates after i
			// start past i's own place.
			start, _ := slices.BinarySearch(list, i+1)
			for _, j := range list[start:] {
				if mark[j] == i+1 {
					continue
				}
				mark[j] = i + 1
				if !near(cs[i].item.Published, cs[j].item.Published, window) || uf.find(i) == uf.find(j) {
					continue
				}
				switch v, strength := f.sameStory(&cs[i], &cs[j]); v {
				case same:
					uf.union(i, j)
				case unsure:
					unsurePairs = append(unsurePairs, unsurePair{i, j, strength})
				}
			}
		}
	}
	return unsurePairs
}

// unsurePair is a pair of items clustering could not decide, with how
// close it came (shared over missing weight).
type unsurePair struct {
	a, b     int
	strength float64
}
