package watchalert

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/secbrief/secbrief/digest"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/watch"
)

// itemDoc is what an item is matched on, with the intel found for its
// CVEs on the way.
type itemDoc struct {
	watch.Doc
	intel map[string]news.CVEIntel
}

// doc is the document it is matched on: its title and text, the CVE ids it
// names, the KEV vendor and product of those CVEs ("Ivanti Connect
// Secure"), and the affected products of its summary when one is cached
// (matching never pays for a summary).
func (a *Alerter) doc(ctx context.Context, it news.Item) itemDoc {
	d := itemDoc{Doc: watch.Doc{Title: it.Title, Text: it.Content, CVEs: digest.CVEs(it.Title, it.Content)}}
	if len(d.CVEs) > 0 {
		d.intel = a.lookup(ctx, nil, d.CVEs)
		for _, id := range d.CVEs {
			if in, ok := d.intel[id]; ok && in.KEV != nil {
				d.KEVProducts = append(d.KEVProducts, strings.TrimSpace(in.KEV.VendorProject+" "+in.KEV.Product))
			}
		}
	}
	if sum, ok, err := a.cfg.Summarizer.Cached(ctx, it.Article()); err == nil && ok {
		d.Affected = sum.Affected
	}
	return d
}

// lookup adds to have (a copy) what Intel knows of ids; without Intel, or
// when the lookup fails (logged), have stays as it is.
func (a *Alerter) lookup(ctx context.Context, have map[string]news.CVEIntel, ids []string) map[string]news.CVEIntel {
	out := make(map[string]news.CVEIntel, len(have)+len(ids))
	for k, v := range have {
		out[k] = v
	}
	if a.cfg.Intel == nil || len(ids) == 0 {
		return out
	}
	got, err := a.cfg.Intel.Lookup(ctx, ids...)
	if err != nil {
		a.log.WarnContext(ctx, "watch alert: intel lookup", "err", err)
		return out
	}
	for k, v := range got {
		out[strings.ToUpper(k)] = v
	}
	return out
}

// missingIntel lists the CVE ids of st and its summary that st.Intel has
// no entry for.
func missingIntel(st news.Story) []string {
	ids := slices.Clone(st.CVEs)
	if st.Summary != nil {
		ids = append(ids, digest.CVEs(st.Summary.CVEs...)...)
	}
	var out []string
	for _, id := range ids {
		if _, ok := st.Intel[strings.ToUpper(id)]; !ok && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// story is the story it belongs to among the guild's items first stored
// within StoryWindow (digest.Cluster: a shared CVE or GHSA id, the same
// headline, the same rare names), with it as the lead and the story's
// other items as others, and the story's key.
//
// The key is the story's first item to reach the store (RecentGuildItems
// lists them in arrival order): a later outlet of an alerted story links
// to the same first item, so it finds the channel's alert claimed under
// that key and stays quiet. An item joining two stories that were apart
// keeps the older one's key. Two outlets of a new story stored at the same
// moment by two processes may each see only their own item, and alert
// twice: the window is the time between storing an item and reading the
// guild's items back.
func (a *Alerter) story(ctx context.Context, guildID string, it news.Item) (news.Story, string, error) {
	since := a.cfg.Now().Add(-a.cfg.StoryWindow)
	items, err := a.cfg.Store.RecentGuildItems(ctx, guildID, since, a.cfg.StoryItems)
	if err != nil {
		return news.Story{}, "", fmt.Errorf("recent items: %w", err)
	}
	self := it.Key()
	if !slices.ContainsFunc(items, func(o news.Item) bool { return o.Key() == self }) {
		items = append(items, it)
	}
	order := make(map[string]int, len(items))
	for i, o := range items {
		order[o.Key()] = i
	}
	for _, s := range digest.Cluster(items, a.cfg.StoryWindow) {
		members := append([]news.Item{s.Lead}, s.Others...)
		if !slices.ContainsFunc(members, func(o news.Item) bool { return o.Key() == self }) {
			continue
		}
		first := slices.MinFunc(members, func(x, y news.Item) int { return order[x.Key()] - order[y.Key()] })
		st := news.Story{Lead: it, CVEs: s.CVEs}
		for _, o := range members {
			if o.Key() != self {
				st.Others = append(st.Others, o)
			}
		}
		return st, storyKey(first), nil
	}
	return news.Story{}, "", errors.New("item not among its guild's items")
}

// storyKey is the stored key of the story whose first item is first.
func storyKey(first news.Item) string {
	h := sha256.Sum256([]byte(first.Key()))
	return "item:" + hex.EncodeToString(h[:16])
}

// article is the text to summarize for it, as the digest takes it: the
// feed's text, or the fetched page when the feed carried a teaser (the
// teaser when the fetch fails), so an alert and a digest share the
// summary's cache entry.
func (a *Alerter) article(ctx context.Context, it news.Item) news.Article {
	art := it.Article()
	if a.cfg.Fetcher == nil || it.Link == "" || !a.cfg.IsTeaser(it) {
		return art
	}
	full, err := a.cfg.Fetcher.Fetch(ctx, it.Link)
	if err != nil {
		a.log.InfoContext(ctx, "watch alert: full text fetch failed; using the feed's text", "feed_url", it.FeedURL,
			"url", it.Link, "err", err)
		return art
	}
	return full.FillFrom(art)
}

// summary is the summary of it's article: from the cache, else, when pay
// and the guild's budget is not spent, from the summarizer (the guild
// pays; the cache makes it once per article across guilds and digests).
// nil when there is none.
func (a *Alerter) summary(ctx context.Context, guildID string, it news.Item, pay bool, log *slog.Logger) *news.Summary {
	ctx = a.cfg.WithGuild(ctx, guildID)
	art := it.Article()
	if pay {
		art = a.article(ctx, it)
	}
	if art.Text == "" {
		return nil
	}
	if sum, ok, err := a.cfg.Summarizer.Cached(ctx, art); err != nil {
		log.WarnContext(ctx, "watch alert: summary cache", "err", err)
	} else if ok {
		return &sum
	}
	if !pay || a.budgetSpent(ctx, guildID, log) {
		return nil
	}
	sum, err := a.cfg.Summarizer.Summarize(ctx, art)
	if err != nil {
		log.InfoContext(ctx, "watch alert: story not summarized", "err", err)
		return nil
	}
	return &sum
}

// budgetSpent reports whether the guild used its daily token budget (the
// cheap check; the summarizer's reservation is the one that holds).
func (a *Alerter) budgetSpent(ctx context.Context, guildID string, log *slog.Logger) bool {
	if a.cfg.GuildDailyTokens <= 0 {
		return false
	}
	used, err := a.cfg.Store.TokensOn(ctx, guildID, a.cfg.Now().UTC().Format("2006-01-02"))
	if err != nil {
		log.WarnContext(ctx, "watch alert: token usage", "err", err)
		return false
	}
	return used >= a.cfg.GuildDailyTokens
}

// matches are the alert's reasons, one per hit: the term, the role, the
// field and its text around the term.
func matches(d itemDoc, hits []watch.Hit) []news.WatchMatch {
	out := make([]news.WatchMatch, 0, len(hits))
	for _, h := range hits {
		text, start, end := fieldText(d.Doc, h)
		out = append(out, news.WatchMatch{WatchID: h.Watch.ID, Term: h.Watch.Term, RoleID: h.Watch.RoleID,
			Field: h.Field, Text: text, Start: start, End: end})
	}
	return out
}

// fieldText is the text of the field h matched and the term's offsets in
// it (for a list field, the entry Hit.Index). Offsets that do not fit give
// no context (render shows the term alone).
func fieldText(d watch.Doc, h watch.Hit) (string, int, int) {
	var text string
	switch h.Field {
	case watch.FieldTitle:
		text = d.Title
	case watch.FieldText:
		text = d.Text
	case watch.FieldAffected:
		text = entry(d.Affected, h.Index)
	case watch.FieldKEV:
		text = entry(d.KEVProducts, h.Index)
	case watch.FieldCVE:
		text = entry(d.CVEs, h.Index)
	}
	if h.Start < 0 || h.End > len(text) || h.Start >= h.End {
		return "", 0, 0
	}
	return text, h.Start, h.End
}

// entry is list[i], or "" when i is out of range.
func entry(list []string, i int) string {
	if i < 0 || i >= len(list) {
		return ""
	}
	return list[i]
}
