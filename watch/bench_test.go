package watch

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/secbrief/secbrief/news"
)

// benchWord is a random lower-case word of 3 to 10 letters.
func benchWord(r *rand.Rand) string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 3+r.IntN(8))
	for i := range b {
		b[i] = letters[r.IntN(len(letters))]
	}
	return string(b)
}

// benchWatches is n distinct terms of one to three words (vendor and
// product names are like that), spread over guilds guilds, 10 a guild for
// the 10 000 over 1 000; the terms are titled ("Acme Widget").
func benchWatches(r *rand.Rand, n, guilds int) []news.Watch {
	seen := map[string]bool{}
	ws := make([]news.Watch, 0, n)
	for len(ws) < n {
		words := make([]string, 1+r.IntN(3))
		for i := range words {
			w := benchWord(r)
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
		t := strings.Join(words, " ")
		if seen[t] {
			continue
		}
		seen[t] = true
		g := len(ws) % guilds
		ws = append(ws, news.Watch{ID: int64(len(ws) + 1), GuildID: fmt.Sprintf("guild-%d", g),
			ChannelID: fmt.Sprintf("chan-%d", g), Term: t})
	}
	return ws
}

// benchDocs is n feed items: a 12-word title and a 200-word text (about
// 1.5 KB, a feed's usual summary or first paragraphs) of random words, two
// affected products and a CVE; one item in 20 names a watched term.
func benchDocs(r *rand.Rand, n int, ws []news.Watch) []Doc {
	vocab := make([]string, 5000)
	for i := range vocab {
		vocab[i] = benchWord(r)
	}
	sentence := func(words int) string {
		parts := make([]string, words)
		for i := range parts {
			parts[i] = vocab[r.IntN(len(vocab))]
		}
		return strings.Join(parts, " ")
	}
	docs := make([]Doc, n)
	for i := range docs {
		d := Doc{Title: sentence(12), Text: sentence(200),
			Affected: []string{sentence(2), sentence(3)}, CVEs: []string{fmt.Sprintf("CVE-2025-%05d", r.IntN(99999))}}
		if i%20 == 0 && len(ws) > 0 {
			d.Text += ". " + ws[r.IntN(len(ws))].Term + " is affected."
		}
		docs[i] = d
	}
	return docs
}

// BenchmarkMatchAll matches items against every guild's terms, one
// MatchAll per item: one op is all the items. The target is
// terms=10000/items=1000 under 200 ms on one core (-cpu 1).
func BenchmarkMatchAll(b *testing.B) {
	for _, c := range []struct{ terms, items int }{
		{1000, 1000}, {10000, 1000}, {50000, 1000}, // growth with terms
		{10000, 100}, {10000, 10000}, // growth with items
	} {
		b.Run(fmt.Sprintf("terms=%d/items=%d", c.terms, c.items), func(b *testing.B) {
			r := rand.New(rand.NewPCG(7, 11))
			ws := benchWatches(r, c.terms, 1000)
			docs := benchDocs(r, c.items, ws)
			x := NewIndex(ws)
			b.ResetTimer()
			hits := 0
			for b.Loop() {
				hits = 0
				for _, d := range docs {
					for _, hs := range x.MatchAll(d) {
						hits += len(hs)
					}
				}
			}
			if hits < c.items/20 {
				b.Fatalf("%d hits in %d items, want at least %d", hits, c.items, c.items/20)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/batch")
		})
	}
}

// BenchmarkNewIndex is what a process pays to rebuild its index when the
// watches change.
func BenchmarkNewIndex(b *testing.B) {
	for _, n := range []int{1000, 10000, 50000} {
		b.Run(fmt.Sprintf("terms=%d", n), func(b *testing.B) {
			ws := benchWatches(rand.New(rand.NewPCG(7, 11)), n, 1000)
			for b.Loop() {
				NewIndex(ws)
			}
		})
	}
}

// TestMatchAllAtScale: with the benchmark's many guilds and terms, each
// item that names a term hits that term's watch, in its guild, and the
// hits of MatchAll are Match's of each guild. (Its speed is the
// benchmark's to measure: a timing bound here would fail on a loaded
// machine.)
func TestMatchAllAtScale(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	ws := benchWatches(r, 2000, 200)
	x := NewIndex(ws)
	docs := benchDocs(r, 200, nil)
	for i := range docs {
		w := ws[r.IntN(len(ws))]
		docs[i].Text += " " + strings.ToUpper(w.Term) + "."
		all := x.MatchAll(docs[i])
		found := false
		for _, h := range all[w.GuildID] {
			found = found || h.Watch.ID == w.ID
		}
		if !found {
			t.Fatalf("item %d names %q: MatchAll = %+v", i, w.Term, all)
		}
		for g, hs := range all {
			if got := x.Match(g, docs[i]); !reflect.DeepEqual(got, hs) {
				t.Fatalf("Match(%s) = %+v, MatchAll has %+v", g, got, hs)
			}
		}
	}
}
