package digest

import (
	"context"

	"github.com/secbrief/secbrief/news"
)

// Watched says whether a story matches one of a guild's watchlists
// (watchalert.Alerter).
type Watched interface {
	Watched(ctx context.Context, guildID string, s news.Story) bool
}

// promoteWatched moves the stories of stories that a watch of guildID
// matches to the front, keeping the order within both parts: in a digest,
// watched stories come first, then the usual ranking. Without
// Config.Watched it does nothing.
func (r *Runner) promoteWatched(ctx context.Context, guildID string, stories []news.Story) {
	if r.cfg.Watched == nil || len(stories) < 2 {
		return
	}
	watched := make([]news.Story, 0, len(stories))
	var rest []news.Story
	for _, s := range stories {
		if r.cfg.Watched.Watched(ctx, guildID, s) {
			watched = append(watched, s)
		} else {
			rest = append(rest, s)
		}
	}
	copy(stories, append(watched, rest...))
}
