package digest

import (
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/secbrief/secbrief/news"
)

// Clustering limits.
const (
	// leadRunes is how much of an item's content clustering reads: its
	// first sentences, where an article names what it is about.
	leadRunes = 600
	// roundupCVEs: an item naming more CVEs than this is a roundup (a
	// Patch Tuesday list, an advisory of top exploited flaws); its CVEs
	// link it to other items only when they appear in its title.
	roundupCVEs = 8
)

// clusterItem is an item with the features clustering compares. Term
// slices hold vocabulary ids, sorted.
type clusterItem struct {
	item news.Item
	cves []string // every CVE of the item (for the story)
	// ids are the CVE and GHSA ids that may link it to other items.
	ids []string
	// titleKey is the title's tokens, for "the same headline".
	titleKey string
	// terms are the tokens of the title and the content's first part.
	terms []int32
	// names and titleNames are the rare names among terms and among the
	// title's tokens (those it does not write in lower case).
	names, titleNames []int32
	// self are the words of the item's outlet its title names: a vendor's
	// post about itself ("CrowdStrike Named a Leader…").
	self []int32
	// contentRunes is the length of the content, which picks the lead.
	contentRunes int
}

// Cluster groups items into stories the way a reader would: items that
// share a CVE or GHSA id, carry the same headline, or name the same rare
// things (ToolShell, SharePoint, Clorox, NetNut; see sameStory), and were
// published within window of each other, form one story (transitively).
// Rarity is counted over items alone (the run's own window, one channel's
// feeds): nothing outside the call changes its stories. Only pairs that
// share an id, a headline or a rare name are compared (an inverted index),
// so a run of many items costs about as much as their words.
//
// The lead of each story is the item with the most content (full text
// beats a teaser), the earliest on a tie; the others are "also covered
// by". Stories come out in the order of their first item in items; items
// with a zero Published time are taken to be within window of every other
// item.
func Cluster(items []news.Item, window time.Duration) []news.Story {
	return link(items, window).stories()
}

// clustering is a run's items linked into stories, with the pairs it was
// unsure about.
type clustering struct {
	cs     []clusterItem
	f      *features
	uf     *unionFind
	unsure []unsurePair
}

// link reads items' features and links every pair Cluster would.
func link(items []news.Item, window time.Duration) *clustering {
	voc := newVocab()
	cs := make([]clusterItem, len(items))
	ids := map[string][]int{}
	titles := map[string][]int{}
	for i, it := range items {
		cs[i] = newClusterItem(it, voc)
		for _, id := range cs[i].ids {
			ids[id] = append(ids[id], i)
		}
		if cs[i].titleKey != "" {
			titles[cs[i].titleKey] = append(titles[cs[i].titleKey], i)
		}
	}
	f := newFeatures(voc, len(items))
	for i := range cs {
		cs[i].names = f.names(cs[i].terms)
		cs[i].titleNames = f.names(cs[i].titleNames)
	}

	uf := newUnionFind(len(cs))
	published := func(i int) time.Time { return cs[i].item.Published }
	linkByKey(published, ids, window, uf)
	linkByKey(published, titles, window, uf)
	c := &clustering{cs: cs, f: f, uf: uf}
	c.unsure = linkByNames(cs, f, window, uf)
	return c
}

// stories builds the stories of the linked items.
func (c *clustering) stories() []news.Story {
	groups := c.uf.groups()
	stories := make([]news.Story, 0, len(groups))
	for _, idx := range groups {
		stories = append(stories, story(c.cs, idx))
	}
	return stories
}

// newClusterItem reads its ids and terms, interning the terms in voc and
// counting each term's evidence (df, how it is written) there. Its
// titleNames hold all its title's terms until newFeatures can tell names.
func newClusterItem(it news.Item, voc *vocab) clusterItem {
	c := clusterItem{item: it, cves: CVEs(it.Title, it.Content), contentRunes: utf8.RuneCountInString(it.Content)}
	c.ids = c.cves
	if len(c.cves) > roundupCVEs {
		c.ids = CVEs(it.Title)
	}
	c.ids = append(slices.Clone(c.ids), GHSAs(it.Title, it.Content)...)
	title, lead := itemText(it)
	tc, caps := headlineCase(title)
	seen := map[int32]bool{}
	var key []string
	add := func(ws []textWord, inTitle bool) {
		for _, w := range ws {
			id := voc.id(w.term)
			switch w.c {
			case caseName:
				voc.named[id]++
			case caseLower:
				voc.lower[id]++
			}
			if inTitle {
				key = append(key, w.term)
				if w.c != caseLower {
					// A word the title writes in lower case is no name
					// in it ("health agencies"), whatever it is elsewhere.
					c.titleNames = append(c.titleNames, id)
				}
			}
			if !seen[id] {
				seen[id] = true
				voc.df[id]++
				c.terms = append(c.terms, id)
			}
		}
	}
	add(words(title, tc, caps), true)
	add(words(lead, false, false), false)
	slices.Sort(c.terms)
	slices.Sort(c.titleNames)
	c.titleNames = slices.Compact(c.titleNames)
	slices.Sort(key)
	c.titleKey = strings.Join(slices.Compact(key), " ")
	for _, p := range publisherTerms(it.FeedTitle) {
		if id, ok := voc.ids[p]; ok && slices.Contains(c.titleNames, id) {
			c.self = append(c.self, id)
		}
	}
	return c
}

// names returns the rare names among terms (sorted, so sorted).
func (f *features) names(terms []int32) []int32 {
	var out []int32
	for _, t := range terms {
		if f.name[t] {
			out = append(out, t)
		}
	}
	return out
}

// MergeByCVE joins stories that share a CVE id once more CVEs are known:
// after the full text of teaser items was fetched, an outlet's story often
// names the CVE its feed's teaser did not (BleepingComputer's SharePoint
// article and Microsoft's advisory). Stories naming more than roundupCVEs
// ids do not link this way, and leads must be within window of each other;
// stories are found through an index of their ids, not compared pairwise.
// A merged story keeps the summary and lead of its first summarized story
// (else its first story); the other stories' items become Others. Order
// follows the first story of each group.
func MergeByCVE(stories []news.Story, window time.Duration) []news.Story {
	uf := newUnionFind(len(stories))
	byCVE := map[string][]int{}
	for i, s := range stories {
		if len(s.CVEs) > roundupCVEs {
			continue
		}
		for _, id := range s.CVEs {
			byCVE[id] = append(byCVE[id], i)
		}
	}
	published := func(i int) time.Time { return stories[i].Lead.Published }
	linkByKey(published, byCVE, window, uf)
	return joinGroups(stories, uf)
}

// joinGroups merges the stories of each of uf's groups: a merged story
// keeps the summary and lead of its first summarized story (else its first
// story); the other stories' items become Others and the CVEs are the
// union. Order follows the first story of each group.
func joinGroups(stories []news.Story, uf *unionFind) []news.Story {
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

// story builds the story of the items at idx.
func story(cs []clusterItem, idx []int) news.Story {
	members := make([]clusterItem, len(idx))
	for k, i := range idx {
		members[k] = cs[i]
	}
	slices.SortStableFunc(members, func(a, b clusterItem) int {
		if c := cmp.Compare(b.contentRunes, a.contentRunes); c != 0 {
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
