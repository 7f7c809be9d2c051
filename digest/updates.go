package digest

import (
	"context"
	"regexp"
	"slices"
	"time"

	"github.com/secbrief/secbrief/news"
)

// PostedWindow is how recently a channel's digest must have posted a story
// for new outlets covering it to be its update rather than a new story.
const PostedWindow = 7 * 24 * time.Hour

// update is a story the channel was told about, as its new coverage is
// measured against it.
type update struct {
	firstPosted time.Time
	// known are the CVE and GHSA ids the posted story named.
	known map[string]bool
}

// updates maps the key of each new item that joined a posted story
// (news.Item.Key) to that story.
type updates map[string]*update

// of returns the posted story any of s's items joined, or nil when s is
// new.
func (u updates) of(s news.Story) *update {
	for _, it := range append([]news.Item{s.Lead}, s.Others...) {
		if p := u[it.Key()]; p != nil {
			return p
		}
	}
	return nil
}

// postedStories returns the stories t's channel was posted within
// PostedWindow of now, without the items unseen holds again (an item
// delivered without a summary is offered once more, to be summarized: its
// story is not yet told).
func (r *Runner) postedStories(ctx context.Context, t news.DigestTarget, now time.Time, unseen []news.Item) ([]news.PostedStory, error) {
	posted, err := r.cfg.Store.PostedStories(ctx, t.ChannelID, now.Add(-PostedWindow))
	if err != nil {
		return nil, err
	}
	again := make(map[string]bool, len(unseen))
	for _, it := range unseen {
		again[it.Key()] = true
	}
	out := posted[:0]
	for _, p := range posted {
		items := slices.DeleteFunc(append([]news.Item{p.Story.Lead}, p.Story.Others...),
			func(it news.Item) bool { return again[it.Key()] })
		if len(items) == 0 {
			continue
		}
		p.Story.Lead, p.Story.Others = items[0], items[1:]
		out = append(out, p)
	}
	return out, nil
}

// clusterWithPosted clusters the new items together with the items of the
// stories the channel was posted (their words count in the run's rarity,
// as the channel's own window). A story of posted items alone is dropped;
// a story of new items that joined a posted one keeps its new items only,
// and its items map to that posted story in the returned updates. The
// clustering's features are returned for MergeByAffected.
func (r *Runner) clusterWithPosted(ctx context.Context, guildID string, items []news.Item,
	posted []news.PostedStory) ([]news.Story, updates, *features) {
	all := slices.Clip(items)
	owner := map[int]int{} // index in all → index in posted
	for k, p := range posted {
		for _, it := range append([]news.Item{p.Story.Lead}, p.Story.Others...) {
			owner[len(all)] = k
			all = append(all, it)
		}
	}
	c := r.cluster(ctx, guildID, all)
	ups := updates{}
	var stories []news.Story
	for _, idx := range c.uf.groups() {
		var fresh []int
		var told []int
		for _, i := range idx {
			if k, ok := owner[i]; ok {
				told = append(told, k)
			} else {
				fresh = append(fresh, i)
			}
		}
		if len(fresh) == 0 {
			continue
		}
		s := story(c.cs, fresh)
		stories = append(stories, s)
		if len(told) == 0 {
			continue
		}
		u := &update{known: map[string]bool{}}
		for _, k := range told {
			p := posted[k]
			if u.firstPosted.IsZero() || p.PostedAt.Before(u.firstPosted) {
				u.firstPosted = p.PostedAt
			}
			for _, id := range storyIDs(p.Story) {
				u.known[id] = true
			}
		}
		for _, i := range fresh {
			ups[c.cs[i].item.Key()] = u
		}
	}
	return stories, ups, c.f
}

// storyIDs are the CVE and GHSA ids s names: its CVEs (with those of its
// lead's fetched text), its summary's, and those in its items.
func storyIDs(s news.Story) []string {
	ids := slices.Clone(s.CVEs)
	if s.Summary != nil {
		ids = append(ids, CVEs(s.Summary.CVEs...)...)
	}
	for _, it := range append([]news.Item{s.Lead}, s.Others...) {
		ids = append(append(ids, CVEs(it.Title, it.Content)...), GHSAs(it.Title, it.Content)...)
	}
	return ids
}

// newsIn says why s, new coverage of the posted story u, is worth showing
// again ("" when it is not): it names a CVE or GHSA id the story did not,
// its text (or its summary's) reports exploitation, or its summary's
// actions name a patch.
func (u *update) newsIn(s news.Story) string {
	for _, id := range storyIDs(s) {
		if !u.known[id] {
			return "new id " + id
		}
	}
	var texts []string
	for _, it := range append([]news.Item{s.Lead}, s.Others...) {
		texts = append(texts, it.Title, it.Content)
	}
	if s.Summary != nil {
		texts = append(append(texts, s.Summary.TLDR), s.Summary.KeyPoints...)
	}
	for _, t := range texts {
		if reportsExploitation(t) {
			return "exploitation"
		}
	}
	if s.Summary != nil {
		for _, a := range s.Summary.Actions {
			if patchAction.MatchString(a) {
				return "patch"
			}
		}
	}
	return ""
}

// splitUpdates sorts stories into those to show and the posted stories'
// new coverage without news (to be marked seen unshown). A story shown
// again is marked Update, with when it was first posted (in loc, the
// digest's zone).
func (r *Runner) splitUpdates(t news.DigestTarget, loc *time.Location, stories []news.Story, ups updates) (show, seen []news.Story) {
	for _, s := range stories {
		u := ups.of(s)
		if u == nil {
			show = append(show, s)
			continue
		}
		log := r.log.With("guild_id", t.GuildID, "channel_id", t.ChannelID, "feed_url", s.Lead.FeedURL,
			"item_id", s.Lead.ID, "first_posted", u.firstPosted)
		if why := u.newsIn(s); why != "" {
			s.Update, s.FirstPosted = true, u.firstPosted.In(loc)
			show = append(show, s)
			log.Info("posted story shown again as an update", "reason", why)
			continue
		}
		seen = append(seen, s)
		log.Info("posted story's new coverage marked seen: no news")
	}
	return show, seen
}

var (
	// exploitation is how articles report attacks using a flaw.
	exploitation = regexp.MustCompile(`(?i)\b(?:exploited in the wild|in-the-wild exploitation|exploitation in the wild|` +
		`actively (?:being )?exploit(?:ed|ing)|active(?:ly)? exploitation|under (?:active )?exploitation|` +
		`(?:has|have|had) been exploited|(?:is|are|was|were) being exploited|exploited (?:in|as) (?:a )?zero[- ]days?|` +
		`exploited in (?:recent |ongoing )?attacks|(?:are|were|is|was|have been) exploiting|active attacks|` +
		`known exploited vulnerabilit(?:y|ies))\b`)
	// negation in the sentence of a match: "no evidence it has been
	// exploited", "not aware of active exploitation".
	negation = regexp.MustCompile(`(?i)\b(?:no|not|never|without|unaware|nor|cannot)\b|n't\b`)
	// patchAction is a summary action that names a patch or an update.
	patchAction = regexp.MustCompile(`(?i)\b(?:patch(?:es|ed|ing)?|hotfix(?:es)?|upgrade[sd]?|update to|` +
		`(?:apply|install|deploy)(?: the)?(?: latest)?(?: security)? (?:updates?|fix(?:es)?)|security updates?|fixed versions?)\b`)
)

// reportsExploitation reports whether text says, in a sentence that does
// not deny it, that a flaw is exploited.
func reportsExploitation(text string) bool {
	for _, m := range exploitation.FindAllStringIndex(text, -1) {
		if !negation.MatchString(sentenceAround(text, m[0], m[1])) {
			return true
		}
	}
	return false
}

// sentenceAround is the sentence of text holding text[start:end].
func sentenceAround(text string, start, end int) string {
	isEnd := func(c byte) bool { return c == '.' || c == '!' || c == '?' || c == '\n' }
	for start > 0 && !isEnd(text[start-1]) {
		start--
	}
	for end < len(text) && !isEnd(text[end]) {
		end++
	}
	return text[start:end]
}
