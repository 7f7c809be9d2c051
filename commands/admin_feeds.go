package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/article"
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
		title := f.Title
		if title == "" {
			title = f.URL
		}
		fmt.Fprintf(&b, "- %s <%s>", render.Sanitize(title, nil), f.URL)
		switch {
		case f.Disabled():
			fmt.Fprintf(&b, " — **disabled** after repeated failures (%s); `/feeds add` it again to retry", render.Truncate(f.LastError, 200))
		case f.Failures > 0:
			fmt.Fprintf(&b, " — failing (%d in a row): %s", f.Failures, render.Truncate(f.LastError, 200))
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
		var refused *article.RefusedError
		if errors.As(err, &refused) {
			return err
		}
		return &UserError{Msg: "I couldn't add that feed: " + FeedProblem(err) + ".", Cause: err}
	}
	added, err := a.store.Subscribe(ctx, rep.i.GuildID, feedURL, feed.Title)
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	if _, err := a.store.AddItems(ctx, feedURL, items); err != nil {
		a.log.Warn("store items of new feed", "feed_url", feedURL, "err", err)
	}
	title := feed.Title
	if title == "" {
		title = feedURL
	}
	msg := fmt.Sprintf("Added **%s** <%s> (%d items). Its new stories go into the next digest; older ones are not posted.", render.Sanitize(title, nil), feedURL, len(items))
	if !added {
		msg = fmt.Sprintf("**%s** <%s> is already in this server's feeds; it was checked again and works.", render.Sanitize(title, nil), feedURL)
	}
	_, err = rep.deliver(render.Truncate(msg, render.MaxContent), nil, true)
	return err
}

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
