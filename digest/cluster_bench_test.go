package digest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

// syntheticItems returns n items as a channel of many feeds sees them in a
// day: stories covered by one to four outlets, each outlet wording the
// headline its own way around the story's names (a product, an actor, a
// malware family; names drawn Zipf-like, so a few recur across many
// stories), the first sentences made of everyday security words, a CVE in
// some. The same n always gives the same items.
func syntheticItems(n int) []news.Item {
	rng := rand.New(rand.NewPCG(uint64(n), 42))
	names := func(count int, suffixes []string) []string {
		syll := []string{"zor", "vex", "net", "quil", "tra", "mon", "kai", "ros", "lum", "pex", "dra", "gon", "shell", "wave", "byte", "fort"}
		out := make([]string, count)
		for i := range out {
			w := syll[rng.IntN(len(syll))] + syll[rng.IntN(len(syll))]
			out[i] = strings.ToUpper(w[:1]) + w[1:] + suffixes[i%len(suffixes)]
		}
		return out
	}
	products := names(4000, []string{"Point", " Server", "Gate", " Manager", "", "OS"})
	actors := names(600, []string{" Tempest", " Spider", " Panda", "", " Group"})
	malware := names(1500, []string{"Loader", "Stealer", " RAT", "", "Bot"})
	zipf := func(max int) *rand.Zipf { return rand.NewZipf(rng, 1.2, 8, uint64(max-1)) }
	zp, za, zm := zipf(len(products)), zipf(len(actors)), zipf(len(malware))
	titles := []string{
		"%[2]s exploits %[1]s flaw to deploy %[3]s",
		"Critical %[1]s vulnerability exploited by %[2]s hackers",
		"%[3]s malware spreads through hacked %[1]s servers",
		"Patch now: %[1]s zero-day used in %[3]s attacks",
		"Researchers tie %[3]s campaign against %[1]s to %[2]s",
	}
	common := strings.Fields(`the attackers used a new technique to gain access and move laterally across networks
		while defenders were urged to apply updates review logs and rotate credentials after the incident was
		disclosed by researchers who said the campaign targeted organizations in several sectors including
		healthcare finance manufacturing and government since at least last month according to the report`)
	base := time.Date(2026, 7, 5, 0, 0, 0, 0, time.UTC)
	var items []news.Item
	for s := 0; len(items) < n; s++ {
		p, a, m := products[zp.Uint64()], actors[za.Uint64()], malware[zm.Uint64()]
		cve := ""
		if rng.IntN(3) == 0 {
			cve = fmt.Sprintf(" Tracked as CVE-2026-%05d.", rng.IntN(99999))
		}
		at := base.Add(time.Duration(rng.IntN(24*3600)) * time.Second)
		for o := range 1 + rng.IntN(4) {
			if len(items) == n {
				break
			}
			var lead strings.Builder
			for range 40 + rng.IntN(40) {
				lead.WriteString(common[rng.IntN(len(common))] + " ")
			}
			feed := fmt.Sprintf("https://feed%d.example/rss", (s*7+o)%300)
			items = append(items, news.Item{ID: fmt.Sprintf("%d-%d", s, o), FeedURL: feed, FeedTitle: fmt.Sprintf("Outlet %d", (s*7+o)%300),
				Title:     fmt.Sprintf(titles[(s+o)%len(titles)], p, a, m),
				Link:      fmt.Sprintf("https://feed%d.example/%d", o, s),
				Content:   fmt.Sprintf("%s %s by %s with %s.%s", lead.String(), p, a, m, cve),
				Published: at.Add(time.Duration(o) * time.Hour)})
		}
	}
	return items
}

// BenchmarkCluster clusters a day of n synthetic items (see
// syntheticItems), to show how the cost grows with n; run with -cpu 1.
func BenchmarkCluster(b *testing.B) {
	for _, n := range []int{1000, 2000, 4000, 8000, 10000, 16000} {
		items := syntheticItems(n)
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			stories := 0
			for b.Loop() {
				stories = len(Cluster(items, DefaultWindow))
			}
			b.ReportMetric(float64(stories), "stories")
		})
	}
}
