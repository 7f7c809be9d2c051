package digest

import (
	"cmp"
	"math"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/secbrief/secbrief/news"
)

// Clustering thresholds. Title similarity is the IDF-weighted overlap
// coefficient of the two titles' token sets (shared weight over the
// lighter title's weight), with the IDF computed over the batch being
// clustered and generic security words down-weighted: words that many of
// the day's items share (a vendor's name on its own blog, "ransomware")
// weigh little, and the words that name an event (a product, a victim, a
// sum of money) weigh much. First sentences are deliberately not compared:
// advisories of one series share boilerplate openings.
const (
	// titleMatch: titles at least this similar are the same story.
	titleMatch = 0.55
	// minShared is the least number of shared title tokens; one shared
	// word (a vendor, "npm") is never enough.
	minShared = 2
	// leadRunes is how much of the content counts as "first sentences"
	// when checking a title's acronyms against the other item.
	leadRunes = 300
	// roundupCVEs: an item naming more CVEs than this is a roundup (a
	// Patch Tuesday list, an advisory of top exploited flaws); its CVEs
	// link it to other items only when they appear in its title.
	roundupCVEs = 8
)

// clusterItem is an item with the features clustering compares.
type clusterItem struct {
	item  news.Item
	cves  []string // every CVE of the item (for the story)
	link  []string // the CVEs that may link it to other items
	title map[string]bool
	// titleWeight is the summed IDF weight of title.
	titleWeight float64
	// text is the token set of the title and first sentences.
	text map[string]bool
	// acronyms are the title's all-caps words (ISPM, SIEM, SMA), lowercased.
	acronyms []string
}

// Cluster groups items into stories: items that share a CVE id, or whose
// titles (and first sentences) are near-duplicates, and that were published
// within window of each other, form one story (transitively). The lead of
// each story is the item with the most content (full text beats a teaser),
// the earliest on a tie; the others are "also covered by". Stories come out
// in the order of their first item in items; items with a zero Published time
// are taken to be within window of every other item.
func Cluster(items []news.Item, window time.Duration) []news.Story {
	cs := make([]clusterItem, len(items))
	df := map[string]int{}
	for i, it := range items {
		c := clusterItem{item: it, cves: CVEs(it.Title, it.Content), title: set(tokens(it.Title))}
		c.text = set(tokens(it.Title + " " + leadText(it.Content, leadRunes)))
		c.acronyms = acronyms(it.Title)
		c.link = c.cves
		if len(c.cves) > roundupCVEs {
			c.link = CVEs(it.Title)
		}
		for t := range c.title {
			df[t]++
		}
		cs[i] = c
	}
	// The weights are fixed for the batch: compute each token's once, and
	// each title's total once, not again for every pair compared.
	idf := make(map[string]float64, len(df))
	for t, n := range df {
		w := math.Log((float64(len(items)) + 1) / (float64(n) + 0.5))
		if generic[t] {
			w *= genericWeight
		}
		idf[t] = w
	}
	for i := range cs {
		for t := range cs[i].title {
			cs[i].titleWeight += idf[t]
		}
	}

	uf := newUnionFind(len(cs))
	for i := range cs {
		for j := i + 1; j < len(cs); j++ {
			if !near(cs[i].item.Published, cs[j].item.Published, window) {
				continue
			}
			if sameStory(cs[i], cs[j], idf) {
				uf.union(i, j)
			}
		}
	}

	groups := uf.groups()
	stories := make([]news.Story, 0, len(groups))
	for _, idx := range groups {
		stories = append(stories, story(cs, idx))
	}
	return stories
}

// MergeByCVE joins stories that share a CVE id once more CVEs are known:
// after the full text of teaser items was fetched, an outlet's story often
// names the CVE its feed's teaser did not (BleepingComputer's SharePoint
// article and Microsoft's advisory). Stories naming more than roundupCVEs
// ids do not link this way, and leads must be within window of each other.
// A merged story keeps the summary and lead of its first summarized story
// (else its first story); the other stories' items become Others. Order
// follows the first story of each group.
func MergeByCVE(stories []news.Story, window time.Duration) []news.Story {
	uf := newUnionFind(len(stories))
	for i := range stories {
		for j := i + 1; j < len(stories); j++ {
			a, b := stories[i], stories[j]
			if len(a.CVEs) > roundupCVEs || len(b.CVEs) > roundupCVEs || !near(a.Lead.Published, b.Lead.Published, window) {
				continue
			}
			for _, id := range a.CVEs {
				if slices.Contains(b.CVEs, id) {
					uf.union(i, j)
					break
				}
			}
		}
	}
	groups := uf.groups()
	out := make([]news.Story, 0, len(groups))
	for _, idx := range groups {
		primary := idx[0]
		for _, i := range idx {
			if stories[i].Summary != nil {
				primary = i
				break
			}
		}
		m := stories[primary]
		m.Others = slices.Clone(m.Others)
		cves := slices.Clone(m.CVEs)
		for _, i := range idx {
			if i == primary {
				continue
			}
			m.Others = append(append(m.Others, stories[i].Lead), stories[i].Others...)
			cves = append(cves, stories[i].CVEs...)
		}
		slices.Sort(cves)
		m.CVEs = slices.Compact(cves)
		out = append(out, m)
	}
	return out
}

// sameStory reports whether a and b cover the same event: they share a
// CVE id, or their titles are near-duplicates and do not each name a
// different acronym (a "SIEM" report is not an "ISPM" report).
func sameStory(a, b clusterItem, idf map[string]float64) bool {
	for _, id := range a.link {
		if slices.Contains(b.link, id) {
			return true
		}
	}
	shared, sim := overlap(a, b, idf)
	if len(a.title) > 0 && shared == len(a.title) && shared == len(b.title) {
		return true // the same title
	}
	if shared < minShared || sim < titleMatch {
		return false
	}
	return !conflict(a, b)
}

// conflict reports whether each title names an acronym that the other item
// does not mention in its title or first sentences.
func conflict(a, b clusterItem) bool {
	missing := func(x, y clusterItem) bool {
		for _, ac := range x.acronyms {
			if !y.text[ac] {
				return true
			}
		}
		return false
	}
	return missing(a, b) && missing(b, a)
}

// overlap returns how many title tokens a and b share and their
// IDF-weighted overlap coefficient: the weight of the shared tokens over
// the weight of the lighter title.
func overlap(a, b clusterItem, idf map[string]float64) (int, float64) {
	var inter float64
	shared := 0
	for t := range a.title {
		if b.title[t] {
			inter += idf[t]
			shared++
		}
	}
	if lighter := min(a.titleWeight, b.titleWeight); lighter > 0 {
		return shared, inter / lighter
	}
	return shared, 0
}

// story builds the story of the items at idx.
func story(cs []clusterItem, idx []int) news.Story {
	members := make([]clusterItem, len(idx))
	for k, i := range idx {
		members[k] = cs[i]
	}
	slices.SortStableFunc(members, func(a, b clusterItem) int {
		if c := cmp.Compare(utf8.RuneCountInString(b.item.Content), utf8.RuneCountInString(a.item.Content)); c != 0 {
			return c
		}
		return a.item.Published.Compare(b.item.Published)
	})
	s := news.Story{Lead: members[0].item}
	var cves []string
	for k, m := range members {
		if k > 0 {
			s.Others = append(s.Others, m.item)
		}
		cves = append(cves, m.cves...)
	}
	slices.Sort(cves)
	s.CVEs = slices.Compact(cves)
	return s
}

// near reports whether a and b are within window of each other; a zero
// time is near everything.
func near(a, b time.Time, window time.Duration) bool {
	if a.IsZero() || b.IsZero() {
		return true
	}
	d := a.Sub(b)
	return d <= window && d >= -window
}

func set(ts []string) map[string]bool {
	m := make(map[string]bool, len(ts))
	for _, t := range ts {
		m[t] = true
	}
	return m
}

// unionFind is a disjoint-set forest with path halving.
type unionFind struct{ parent []int }

func newUnionFind(n int) *unionFind {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return &unionFind{parent: p}
}

func (u *unionFind) find(i int) int {
	for u.parent[i] != i {
		u.parent[i] = u.parent[u.parent[i]]
		i = u.parent[i]
	}
	return i
}

// groups returns the members of each set, sets in the order of their first
// member and members in index order.
func (u *unionFind) groups() [][]int {
	pos := map[int]int{} // root → index in out
	var out [][]int
	for i := range u.parent {
		r := u.find(i)
		k, ok := pos[r]
		if !ok {
			k = len(out)
			pos[r] = k
			out = append(out, nil)
		}
		out[k] = append(out[k], i)
	}
	return out
}

// union joins the sets of i and j, keeping the smaller index as the root
// so story order follows item order.
func (u *unionFind) union(i, j int) {
	ri, rj := u.find(i), u.find(j)
	if ri == rj {
		return
	}
	if rj < ri {
		ri, rj = rj, ri
	}
	u.parent[rj] = ri
}
