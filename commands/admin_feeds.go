package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/render"
)

// feedsList handles /feeds list.
func (a *Admin) feedsList(ctx context.Context, req bot.Request) (bot.Response, error) {
	feeds, err := a.store.GuildFeeds(ctx, req.GuildID)
	if err != nil {
		return bot.Response{}, fmt.Errorf("load feeds: %w", err)
	}
	if len(feeds) == 0 {
		return privately("This server has no feeds. Add one with `/feeds add url:`."), nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**%d feeds**\n", len(feeds))
	for _, f := range feeds {
		b.WriteString("- ")
		if title := feedTitle(f.Title); title != "" {
			b.WriteString("**" + title + "** ")
		}
		fmt.Fprintf(&b, "<%s>", f.URL)
		// LastError is the poller's kind-level text (FeedProblem; migration
		// 007 replaced the raw errors older versions stored). It is
		// sanitized all the same: stored text is not trusted to be postable.
		lastError := render.Truncate(render.Sanitize(f.LastError, nil), 200)
		switch {
		case f.Disabled():
			fmt.Fprintf(&b, " — **disabled** after repeated failures (%s); `/feeds add` it again to retry", lastError)
		case f.Failures > 0:
			fmt.Fprintf(&b, " — failing (%d in a row): %s", f.Failures, lastError)
		}
		b.WriteString("\n")
	}
	return privately(b.String()), nil
}

// feedsAdd handles /feeds add url: the feed is fetched and parsed on the
// spot (a page's RSS/Atom link is followed), then subscribed.
func (a *Admin) feedsAdd(ctx context.Context, req bot.Request) (bot.Response, error) {
	raw := req.String("url")
	if raw == "" {
		return bot.Response{}, userErrorf("Give the feed's URL.")
	}
	feedURL, feed, items, err := a.discover(ctx, raw)
	if err != nil {
		return bot.Response{}, &UserError{Msg: "I couldn't add that feed: " + FeedProblem(err) + ".", Cause: err}
	}
	added, err := a.store.Subscribe(ctx, req.GuildID, feedURL, feed.Title)
	if err != nil {
		return bot.Response{}, fmt.Errorf("subscribe: %w", err)
	}
	if _, err := a.store.AddItems(ctx, feedURL, items); err != nil {
		a.log.Warn("store items of new feed", "feed_url", feedURL, "err", err)
	}
	name := fmt.Sprintf("<%s>", feedURL)
	if title := feedTitle(feed.Title); title != "" {
		name = "**" + title + "** " + name
	}
	msg := fmt.Sprintf("Added %s (%d items). Its new stories go into the next digest; older ones are not posted.", name, len(items))
	if !added {
		msg = fmt.Sprintf("%s is already in this server's feeds; it was checked again and works.", name)
	}
	return privately(render.Truncate(msg, render.MaxContent)), nil
}

// feedTitle is a feed's title made safe to show: it is text from the
// internet, so it goes through the article sanitizing (no link, no
// mention), on one line, with the bold markers that would end our own
// bold removed, and cut to a length a list can hold.
func feedTitle(title string) string {
	title = strings.Join(strings.Fields(render.Sanitize(title, nil)), " ")
	title = strings.ReplaceAll(title, "**", "")
	return render.Truncate(title, maxFeedTitle)
}

// maxFeedTitle is how many runes of a feed's title are shown.
const maxFeedTitle = 120

// feedsRemove handles /feeds remove url:.
func (a *Admin) feedsRemove(ctx context.Context, req bot.Request) (bot.Response, error) {
	raw := req.String("url")
	removed, err := a.store.Unsubscribe(ctx, req.GuildID, raw)
	if err != nil {
		return bot.Response{}, fmt.Errorf("unsubscribe: %w", err)
	}
	if !removed {
		return bot.Response{}, userErrorf("That feed is not in this server's list; see `/feeds list`.")
	}
	return privately(render.Truncate(fmt.Sprintf("Removed <%s>.", raw), render.MaxContent)), nil
}
