package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/render"
)

// maxStoryNames bounds the names kept per guild for autocomplete.
const maxStoryNames = 2000

// autocomplete suggests terms: for /watch add, names from this server's
// recent stories and from the KEV catalog; for /watch remove, the server's
// watched terms. Members who may not manage the server get nothing.
func (w *Watches) autocomplete(ctx context.Context, req bot.Request) ([]*discordgo.ApplicationCommandOptionChoice, error) {
	if !canManage(req) || req.Focused != "term" {
		return nil, nil
	}
	typed := news.NormalizeWatchTerm(req.String("term"))
	key := news.WatchTermKey(typed)
	var c choices
	switch req.Subcommand {
	case "add":
		names, err := w.storyNames(ctx, req.GuildID)
		if err != nil {
			// Suggestions are a help: the KEV ones still are.
			w.log.WarnContext(ctx, "watch autocomplete: recent stories", "guild_id", req.GuildID, "err", err)
		}
		for _, n := range names {
			if wordPrefix(n, key) {
				c.add(n, n)
			}
		}
		if w.opts.KEV != nil && !c.full() {
			// The catalog matches one word; "ivanti con" asks for "ivanti"
			// and keeps "Ivanti Connect Secure".
			first, _, _ := strings.Cut(typed, " ")
			products, err := w.opts.KEV.KEVProducts(ctx, first, maxChoices)
			if err != nil {
				w.log.WarnContext(ctx, "watch autocomplete: KEV products", "guild_id", req.GuildID, "err", err)
			}
			for _, p := range products {
				for _, n := range []string{p.Vendor, p.Product, p.Vendor + " " + p.Product} {
					if wordPrefix(n, key) {
						c.add(n, n)
					}
				}
			}
		}
	case "remove":
		ws, err := w.store.GuildWatches(ctx, req.GuildID)
		if err != nil {
			return nil, fmt.Errorf("autocomplete watches: %w", err)
		}
		channels := map[string]int{}
		for _, x := range ws {
			channels[x.Key()]++
		}
		for _, x := range ws {
			if !strings.Contains(x.Key(), key) {
				continue
			}
			name := x.Term
			if n := channels[x.Key()]; n > 1 {
				name = fmt.Sprintf("%s (%d channels)", x.Term, n)
			}
			c.add(name, x.Term)
		}
	}
	return c.list, nil
}

// choices are autocomplete choices, distinct by term key, at most
// maxChoices, each a valid term.
type choices struct {
	list []*discordgo.ApplicationCommandOptionChoice
	seen map[string]bool
}

func (c *choices) full() bool { return len(c.list) >= maxChoices }

func (c *choices) add(name, value string) {
	value = news.NormalizeWatchTerm(value)
	if c.full() || value == "" {
		return
	}
	if _, err := watchTerm(value); err != nil {
		return
	}
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	if key := news.WatchTermKey(value); !c.seen[key] {
		c.seen[key] = true
		c.list = append(c.list, &discordgo.ApplicationCommandOptionChoice{Name: render.Truncate(news.NormalizeWatchTerm(name), maxChoiceRunes), Value: value})
	}
}

// wordPrefix reports whether key, a typed term's news.WatchTermKey, starts
// one of name's words (or name), case-insensitively; an empty key matches
// every name.
func wordPrefix(name, key string) bool {
	name = news.WatchTermKey(name)
	if key == "" || strings.HasPrefix(name, key) {
		return true
	}
	for i := range len(name) {
		if (name[i] == ' ' || name[i] == '-' || name[i] == '/' || name[i] == '(') && strings.HasPrefix(name[i+1:], key) {
			return true
		}
	}
	return false
}

// storyNames returns the names the guild's recent stories offer as terms:
// each summary's affected products and the stories' CVE ids, from the
// digests posted in its scheduled channels in the last storyNamesWindow,
// most recent first. They are kept for storyNamesTTL.
func (w *Watches) storyNames(ctx context.Context, guildID string) ([]string, error) {
	now := w.opts.Now()
	w.mu.Lock()
	cached, ok := w.names[guildID]
	w.mu.Unlock()
	if ok && now.Sub(cached.at) < storyNamesTTL {
		return cached.names, nil
	}
	scheds, err := w.store.GuildDigestSchedules(ctx, guildID)
	if err != nil {
		return nil, fmt.Errorf("digest channels: %w", err)
	}
	var stories []news.PostedStory
	for _, s := range scheds {
		ps, err := w.store.PostedStories(ctx, s.ChannelID, now.Add(-storyNamesWindow))
		if err != nil {
			return nil, fmt.Errorf("posted stories of %s: %w", s.ChannelID, err)
		}
		stories = append(stories, ps...)
	}
	slices.SortStableFunc(stories, func(a, b news.PostedStory) int { return b.PostedAt.Compare(a.PostedAt) })
	seen := map[string]bool{}
	var names []string
	add := func(n string) {
		n = news.NormalizeWatchTerm(n)
		if k := news.WatchTermKey(n); k != "" && !seen[k] && len(names) < maxStoryNames {
			seen[k] = true
			names = append(names, n)
		}
	}
	for _, p := range stories {
		if p.Story.Summary != nil {
			for _, a := range p.Story.Summary.Affected {
				add(a)
			}
		}
		for _, id := range p.Story.CVEs {
			add(id)
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for g, c := range w.names { // forget the guilds nobody typed in lately
		if now.Sub(c.at) >= storyNamesTTL {
			delete(w.names, g)
		}
	}
	w.names[guildID] = storyNames{names: names, at: now}
	return names, nil
}
