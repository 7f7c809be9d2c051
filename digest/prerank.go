package digest

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/secbrief/secbrief/news"
)

// Pre-rank weights: what a story scores before any LLM call, to choose the
// stories worth summarizing. Coverage weighs most: three outlets carrying a
// story (+4) beat one outlet naming a CVE (+3), and a severity the feed
// itself states as critical (+4) counts like that coverage. Recency only
// orders stories that are otherwise alike: a story published now gets
// recencyWeight, one at the edge of the look-back none.
const (
	// outletWeight is added for each outlet beyond the first, up to
	// maxExtraOutlets of them (a story everyone carries is not worth more
	// than one most outlets carry).
	outletWeight    = 2.0
	maxExtraOutlets = 4
	// cveWeight is added once when any item of the story names a CVE id:
	// a roundup naming forty is no more urgent than one flaw.
	cveWeight = 3.0
	// recencyWeight is the most recency adds, falling linearly to 0 at the
	// look-back's age.
	recencyWeight = 2.0
)

// statedWeight is what a severity stated in a feed item adds.
var statedWeight = map[news.Severity]float64{
	news.SeverityCritical: 4,
	news.SeverityHigh:     2.5,
	news.SeverityMedium:   1,
}

// statedRunes is how much of an item's content is searched for a stated
// severity: advisories state it near the top.
const statedRunes = 1000

var (
	// severityLabel is "Severity: High", "Severity rating: Critical",
	// "severity = moderate" (Microsoft writes Important and Moderate).
	severityLabel = regexp.MustCompile(`(?i)\bseverity(?:\s+(?:level|rating))?\s*[:=]\s*\**\s*(critical|high|important|medium|moderate|low)\b`)
	// severityAdjective is "critical-severity", "high severity".
	severityAdjective = regexp.MustCompile(`(?i)\b(critical|high|medium|moderate|low)[\s-]severity\b`)
	// cvssScore is "CVSS 9.8", "CVSS v3.1 base score: 7.5", "CVSS score of 10".
	cvssScore = regexp.MustCompile(`(?i)\bcvss(?:\s*v?[234](?:\.[01])?)?(?:\s+base)?(?:\s+score)?\s*(?:of|:|=|is)?\s*(10(?:\.0)?|[0-9]\.[0-9])\b`)
)

// statedSeverity is the most severe severity an item's title or the start
// of its content states ("Severity: Critical", "a high-severity flaw",
// "CVSS 9.8"), or "" when it states none. feeds.Parse keeps no categories,
// so a feed's severity counts only where its text says it.
func statedSeverity(it news.Item) news.Severity {
	text := it.Title + "\n" + leadText(it.Content, statedRunes)
	var found []news.Severity
	for _, re := range []*regexp.Regexp{severityLabel, severityAdjective} {
		for _, m := range re.FindAllStringSubmatch(text, -1) {
			found = append(found, severityWord(m[1]))
		}
	}
	for _, m := range cvssScore.FindAllStringSubmatch(text, -1) {
		if score, err := strconv.ParseFloat(m[1], 64); err == nil {
			found = append(found, news.CVSSSeverity(score))
		}
	}
	if len(found) == 0 {
		return ""
	}
	return slices.MinFunc(found, func(a, b news.Severity) int { return cmp.Compare(a.Rank(), b.Rank()) })
}

// severityWord maps a stated severity word to a news.Severity.
func severityWord(w string) news.Severity {
	switch strings.ToLower(w) {
	case "critical":
		return news.SeverityCritical
	case "high", "important":
		return news.SeverityHigh
	case "medium", "moderate":
		return news.SeverityMedium
	}
	return news.SeverityLow
}

// preScore is s's score from what is known without the LLM: its outlets,
// whether it names a CVE, how recent its newest item is within lookback of
// now, and the most severe severity its items state or the CVSS score of
// its CVEs gives (cvssStated of in, s's rankIntel). See the weights above.
func preScore(s news.Story, in intelRank, now time.Time, lookback time.Duration) float64 {
	score := outletWeight * float64(min(s.Outlets()-1, maxExtraOutlets))
	if len(s.CVEs) > 0 {
		score += cveWeight
	}
	if t := latest(s); !t.IsZero() && lookback > 0 {
		age := now.Sub(t)
		fresh := 1 - float64(age)/float64(lookback)
		score += recencyWeight * min(max(fresh, 0), 1)
	}
	stated := cvssStated(in)
	for _, o := range append([]news.Item{s.Lead}, s.Others...) {
		if sev := statedSeverity(o); sev != "" && (stated == "" || sev.Rank() < stated.Rank()) {
			stated = sev
		}
	}
	return score + statedWeight[stated]
}

// PreRank sorts stories in place, so the stories worth an LLM call come
// first: by what is known of their CVEs (compareIntel, from the stories'
// Intel: KEV with ransomware use, KEV, high EPSS, critical CVSS), then by
// preScore, highest first, then by recency and lead title. It makes no
// LLM call and reads no summary: the Runner summarizes only the first
// stories it orders.
func PreRank(stories []news.Story, now time.Time, lookback time.Duration) {
	type scored struct {
		s     news.Story
		intel intelRank
		score float64
	}
	ss := make([]scored, len(stories))
	for i, s := range stories {
		in := rankIntel(s)
		ss[i] = scored{s, in, preScore(s, in, now, lookback)}
	}
	slices.SortStableFunc(ss, func(a, b scored) int {
		if c := compareIntel(a.intel, b.intel); c != 0 {
			return c
		}
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		if c := latest(b.s).Compare(latest(a.s)); c != 0 {
			return c
		}
		return cmp.Compare(a.s.Lead.Title, b.s.Lead.Title)
	})
	for i := range ss {
		stories[i] = ss[i].s
	}
}
