package digest

import (
	"math"
	"slices"
)

// Name weighting. A term is rare in a run when at most
// max(minRareDF, items/rareShare) of the run's items hold it; only rare
// names link items, so a name every other item carries (a vendor on its
// own blog, a country) never makes a story.
const (
	minRareDF = 8
	rareShare = 50
	// wordWeight scales the weight of the rare words both items use that
	// are not names ("residential proxy", "streaming boxes"): they back a
	// shared name up, but never link items on their own.
	wordWeight = 0.5
	// minIDFItems is the least number of items IDF is computed as if
	// over: in a run of a handful of items every name is "rare", and a
	// name one item alone carries must not outweigh two shared ones by the
	// accident of a small run.
	minIDFItems = 100
	// unsureRatio: a pair whose shared weight is at least this share of
	// its missing weight, but not more, is unsure: one an LLM judge may
	// decide (digest.llm_merge).
	unsureRatio = 0.5
)

// verdict is how sure clustering is that two items are one story.
type verdict uint8

const (
	different verdict = iota
	unsure
	same
)

// features are the terms of one run: the vocabulary, each term's weight,
// and which terms are rare names.
type features struct {
	voc  *vocab
	idf  []float64
	name []bool // rare name
	word []bool // rare word that is neither a name nor generic
}

// newFeatures weighs the terms of a vocabulary filled from n items.
func newFeatures(voc *vocab, n int) *features {
	f := &features{voc: voc, idf: make([]float64, len(voc.terms)), name: make([]bool, len(voc.terms)),
		word: make([]bool, len(voc.terms))}
	rare := int32(max(minRareDF, n/rareShare))
	for id := range voc.terms {
		df := voc.df[id]
		f.idf[id] = math.Log((float64(max(n, minIDFItems)) + 1) / (float64(df) + 0.5))
		f.name[id] = df <= rare && voc.isName(int32(id))
		f.word[id] = df <= rare && !f.name[id] && !voc.banned[id]
	}
	return f
}

// sameStory judges whether a and b, published near each other, report
// the same event by the names they carry (shared ids and identical
// titles are linked before, through the index):
//   - items of one feed are its separate articles, never one story;
//   - two vendors' posts about themselves (each title names its own
//     outlet, neither mentions the other) are two stories, however alike
//     ("Microsoft is named a Leader…", "CrowdStrike Named a Leader…");
//   - otherwise they must share a rare name that one of them has in its
//     title, and the rare names both carry (with the rare words both use,
//     at wordWeight) must outweigh the rare names one title carries and
//     the other item does not mention at all (Toptal's npm breach is not
//     the npm phishing campaign: npm is shared, Toptal and GitHub are
//     missing). Pairs short of that by less than unsureRatio are unsure.
//
// strength is the shared weight over the missing weight.
func (f *features) sameStory(a, b *clusterItem) (v verdict, strength float64) {
	if a.item.FeedURL == b.item.FeedURL {
		return different, 0
	}
	if len(a.self) > 0 && len(b.self) > 0 && !anyIn(a.self, b.terms) && !anyIn(b.self, a.terms) {
		return different, 0
	}
	var shared, missing float64
	inTitle := false
	for _, t := range a.names {
		if _, ok := slices.BinarySearch(b.names, t); ok {
			shared += f.idf[t]
			if !inTitle {
				_, x := slices.BinarySearch(a.titleNames, t)
				_, y := slices.BinarySearch(b.titleNames, t)
				inTitle = x || y
			}
		}
	}
	if !inTitle {
		return different, 0
	}
	for _, t := range a.terms {
		if f.word[t] {
			if _, ok := slices.BinarySearch(b.terms, t); ok {
				shared += wordWeight * f.idf[t]
			}
		}
	}
	missing = f.missing(a, b) + f.missing(b, a)
	strength = shared / max(missing, 1e-9)
	switch {
	case shared > missing:
		return same, strength
	case shared >= unsureRatio*missing:
		return unsure, strength
	}
	return different, strength
}

// missing is the weight of the rare names of x's title that y does not
// mention.
func (f *features) missing(x, y *clusterItem) float64 {
	var w float64
	for _, t := range x.titleNames {
		if _, ok := slices.BinarySearch(y.terms, t); !ok {
			w += f.idf[t]
		}
	}
	return w
}

// anyIn reports whether any of xs is in the sorted sorted.
func anyIn(xs, sorted []int32) bool {
	for _, x := range xs {
		if _, ok := slices.BinarySearch(sorted, x); ok {
			return true
		}
	}
	return false
}
