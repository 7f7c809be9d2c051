package digest

import (
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/secbrief/secbrief/news"
)

// Intel is what is known of CVEs (intel.Service): CISA KEV, FIRST EPSS and
// CVSS, read from the store only, so a digest never waits on a remote
// source. Lookup returns an entry for each id something is known of, by
// upper-case id; others may be missing.
type Intel interface {
	Lookup(ctx context.Context, ids ...string) (map[string]news.CVEIntel, error)
}

// highEPSS is the EPSS probability from which exploitation is likely
// enough for a story to rank above the stories ranked only by CVSS and
// the signals of their text: 10%, the threshold FIRST's user guide
// discusses as balancing coverage and efficiency; about the top 5% of
// scored CVEs.
const highEPSS = 0.1

// Intel tiers: a story ranks by the most urgent of its CVEs.
const (
	tierRansomware = iota // in KEV, used in ransomware campaigns
	tierExploited         // in KEV
	tierLikely            // EPSS probability of at least highEPSS
	tierCritical          // CVSS base score of at least news.CriticalCVSS
	tierNone              // none of these: ranked by today's signals alone
)

// intelRank is where a story's intel puts it: its tier, then the highest
// EPSS probability and CVSS base score among its CVEs (-Inf when none is
// known).
type intelRank struct {
	tier       int
	epss, cvss float64
}

// rankIntel is the intelRank of s from s.Intel.
func rankIntel(s news.Story) intelRank {
	r := intelRank{tier: tierNone, epss: math.Inf(-1), cvss: math.Inf(-1)}
	for _, in := range s.Intel {
		tier := tierNone
		p, okP := in.Probability()
		score, okS := in.BaseScore()
		switch {
		case in.Ransomware():
			tier = tierRansomware
		case in.Exploited():
			tier = tierExploited
		case okP && p >= highEPSS:
			tier = tierLikely
		case okS && score >= news.CriticalCVSS:
			tier = tierCritical
		}
		r.tier = min(r.tier, tier)
		if okP {
			r.epss = max(r.epss, p)
		}
		if okS {
			r.cvss = max(r.cvss, score)
		}
	}
	return r
}

// compareIntel orders stories by what is known of their CVEs, most urgent
// first: known exploitation in ransomware campaigns, then any known
// exploitation (KEV), then a high EPSS probability, then a critical CVSS
// score; within those tiers the higher EPSS probability, then the higher
// CVSS score. Stories with none of these compare equal: today's signals
// rank them.
func compareIntel(a, b intelRank) int {
	if c := cmp.Compare(a.tier, b.tier); c != 0 || a.tier == tierNone {
		return c
	}
	if c := cmp.Compare(b.epss, a.epss); c != 0 {
		return c
	}
	return cmp.Compare(b.cvss, a.cvss)
}

// cvssStated is the CVSS rating of the highest CVSS base score among a
// story's CVEs (r, its rankIntel), "" when none is known: a score the CVE
// record states counts like a severity the feed states.
func cvssStated(r intelRank) news.Severity {
	if math.IsInf(r.cvss, -1) {
		return ""
	}
	return news.CVSSSeverity(r.cvss)
}

// storyCVEs are the ids of s and of its summary, upper-cased.
func storyCVEs(s news.Story) []string {
	ids := slices.Clone(s.CVEs)
	if s.Summary != nil {
		ids = append(ids, s.Summary.CVEs...)
	}
	return CVEs(ids...)
}

// intelCache is what the intel lookups of one digest found: every id
// asked, with what is known of it (a zero CVEIntel when nothing).
type intelCache map[string]news.CVEIntel

// attachIntel sets the Intel of every story to what is known of its CVEs
// (storyCVEs), looking up the ids not in known yet in one batch. Without
// an Intel source it does nothing; a failed lookup is logged and the
// stories keep what is known already.
func (r *Runner) attachIntel(ctx context.Context, guildID string, known intelCache, stories []news.Story) {
	if r.cfg.Intel == nil {
		return
	}
	var ask []string
	for _, s := range stories {
		for _, id := range storyCVEs(s) {
			if _, ok := known[id]; !ok {
				known[id] = news.CVEIntel{}
				ask = append(ask, id)
			}
		}
	}
	if len(ask) > 0 {
		found, err := r.cfg.Intel.Lookup(ctx, ask...)
		if err != nil {
			r.log.Warn("intel lookup failed; ranking without it", "guild_id", guildID, "cves", len(ask), "err", err)
		}
		for _, id := range ask {
			if in, ok := found[id]; ok && in.Known() {
				known[id] = digestIntel(id, in)
			}
		}
	}
	for i, s := range stories {
		stories[i].Intel = nil
		for _, id := range storyCVEs(s) {
			if in := known[id]; in.Known() {
				if stories[i].Intel == nil {
					stories[i].Intel = map[string]news.CVEIntel{}
				}
				stories[i].Intel[id] = in
			}
		}
	}
}

// digestIntel is in as a digest keeps it: what its badges and ranking use,
// without the CVE record and KEV's texts, which a recorded digest does not
// need to carry.
func digestIntel(id string, in news.CVEIntel) news.CVEIntel {
	out := news.CVEIntel{ID: id, EPSS: in.EPSS, CVSS: in.CVSS}
	if in.KEV != nil {
		out.KEV = &news.KEVEntry{CVEID: in.KEV.CVEID, DateAdded: in.KEV.DateAdded, DueDate: in.KEV.DueDate,
			Ransomware: in.KEV.Ransomware, FirstSeenAt: in.KEV.FirstSeenAt, Baseline: in.KEV.Baseline}
	}
	if out.CVSS == nil && in.Record != nil {
		out.CVSS = in.Record.CVSS
	}
	return out
}
