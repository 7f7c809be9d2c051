package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/render"
)

// feedsList handles /feeds list.
func (a *Admin) feedsList(ctx context.Context, rep *reply) error {
	feeds, err := a.store.GuildFeeds(ctx, rep.i.GuildID)
	if err != nil {
		return fmt.Errorf("load feeds: %w", err)
	}
	if len(feeds) == 0 {
		_, err := rep.deliver("This server has no feeds. Add one with `/feeds add url:`.", nil, true)
		return err
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
	return rep.deliverLong(b.String(), true)
}

// feedsAdd handles /feeds add url: the feed is fetched and parsed on the
// spot (a page's RSS/Atom link is followed), then subscribed.
func (a *Admin) feedsAdd(ctx context.Context, rep *reply, opts map[string]*discordgo.ApplicationCommandInteractionDataOption) error {
	raw := stringOpt(opts, "url")
	if raw == "" {
		return userErrorf("Give the feed's URL.")
	}
	feedURL, feed, items, err := a.discover(ctx, raw)
	if err != nil {
		return &UserError{Msg: "I couldn't add that feed: " + FeedProblem(err) + ".", Cause: err}
	}
	added, err := a.store.Subscribe(ctx, rep.i.GuildID, feedURL, feed.Title)
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
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
	_, err = rep.deliver(render.Truncate(msg, render.MaxContent), nil, true)
	return err
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
func (a *Admin) feedsRemove(ctx context.Context, rep *reply, opts map[string]*discordgo.ApplicationCommandInteractionDataOption) error {
	raw := stringOpt(opts, "url")
	removed, err := a.store.Unsubscribe(ctx, rep.i.GuildID, raw)
	if err != nil {
		return fmt.Errorf("unsubscribe: %w", err)
	}
	if !removed {
		return userErrorf("That feed is not in this server's list; see `/feeds list`.")
	}
	_, err = rep.deliver(render.Truncate(fmt.Sprintf("Removed <%s>.", raw), render.MaxContent), nil, true)
	return err
}
