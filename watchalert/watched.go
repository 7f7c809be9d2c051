package watchalert

import (
	"context"

	"github.com/secbrief/secbrief/digest"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/watch"
)

// Watched reports whether a watch of guildID matches st: one of its items'
// titles or texts, its CVE ids, or its summary's affected products (a
// digest puts watched stories first, digest.Config.Watched). kev_only and
// min_severity do not apply: they decide alerts, not a digest's order. A
// failure to load the watches is logged; the last index loaded answers.
func (a *Alerter) Watched(ctx context.Context, guildID string, st news.Story) bool {
	idx, err := a.live.Index(ctx)
	if err != nil {
		a.log.WarnContext(ctx, "watched stories: load watches", "err", err)
	}
	if idx == nil || idx.Len() == 0 {
		return false
	}
	for i, it := range append([]news.Item{st.Lead}, st.Others...) {
		d := watch.Doc{Title: it.Title, Text: it.Content, CVEs: digest.CVEs(it.Title, it.Content)}
		if i == 0 && st.Summary != nil {
			// The summary is the lead's.
			d.Affected = st.Summary.Affected
			d.CVEs = append(d.CVEs, digest.CVEs(st.Summary.CVEs...)...)
		}
		if len(idx.Match(guildID, d)) > 0 {
			return true
		}
	}
	return false
}
