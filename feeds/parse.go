// Package feeds polls RSS, Atom and JSON feeds politely (conditional GET,
// Retry-After, per-feed backoff, a bounded worker pool), parses them with
// gofeed into news items with a stable identity and plain-text content, and
// discovers a site's feed from its HTML page.
package feeds

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/secbrief/secbrief/news"
)

// ErrNotFeed is returned by Parse when the body is not an RSS, Atom or JSON
// feed (for example an HTML page).
var ErrNotFeed = errors.New("not an RSS, Atom or JSON feed")

// extraDateLayouts are date formats seen in real feeds that gofeed's parser
// does not know: CrowdStrike's "Jul 23, 2025 00:00:00-0500" among them.
var extraDateLayouts = []string{
	"Jan 2, 2006 15:04:05-0700",
	"Jan 2, 2006 15:04:05 -0700",
	"Jan 2, 2006 15:04:05 MST",
	"Jan 2, 2006",
	"2006-01-02 15:04:05-07:00",
	"2006-01-02 15:04:05",
}

// Parse parses a feed body fetched from feedURL into the feed (its title is
// the outlet's name) and its items. Items get a stable ID (GUID, else
// canonical link, else a hash of title and content), plain-text Content
// (the full content when the feed carries it, else the description), links
// resolved against feedURL with tracking parameters removed, and Published
// from the item's date, else its update date, else zero (storage then uses
// the time it first saw the item). A body that is not a feed gives an error
// wrapping ErrNotFeed; malformed XML gives an error or whatever items could
// be read, never a panic.
func Parse(body []byte, feedURL string) (feed news.Feed, items []news.Item, err error) {
	defer func() {
		// gofeed parses hostile input; a bug in it must cost one feed, not the process.
		if r := recover(); r != nil {
			feed, items, err = news.Feed{}, nil, fmt.Errorf("parse feed %s: parser panic: %v", feedURL, r)
		}
	}()
	p := gofeed.NewParser()
	f, err := p.Parse(bytes.NewReader(body))
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			return news.Feed{}, nil, fmt.Errorf("parse feed %s: %w", feedURL, ErrNotFeed)
		}
		return news.Feed{}, nil, fmt.Errorf("parse feed %s: %w", feedURL, err)
	}
	feed = news.Feed{URL: feedURL, Title: feedTitle(f.Title, f.Link, feedURL)}
	base := feedURL
	items = make([]news.Item, 0, len(f.Items))
	seen := make(map[string]bool, len(f.Items))
	for _, it := range f.Items {
		if it == nil {
			continue
		}
		item := convertItem(it, base)
		if seen[item.ID] {
			continue // one identity, one item: the feed's first wins
		}
		seen[item.ID] = true
		item.FeedURL, item.FeedTitle = feed.URL, feed.Title
		items = append(items, item)
	}
	return feed, items, nil
}

// convertItem maps one gofeed item to a news.Item without feed fields.
func convertItem(it *gofeed.Item, base string) news.Item {
	link := CanonicalLink(it.Link, base)
	if link == "" {
		for _, l := range it.Links {
			if link = CanonicalLink(l, base); link != "" {
				break
			}
		}
	}
	if link == "" && isURL(it.GUID) {
		link = CanonicalLink(it.GUID, "")
	}
	content := PlainText(it.Content)
	if content == "" {
		content = PlainText(it.Description)
	}
	content = stripPostFooter(content)
	title := cleanTitle(it.Title)
	return news.Item{
		ID:        itemID(it.GUID, link, title, content),
		Title:     title,
		Link:      link,
		Content:   content,
		Published: published(it),
	}
}

// published is the item's date: published, else updated, else one of the
// extra layouts applied to the raw strings; zero when none parses.
func published(it *gofeed.Item) time.Time {
	switch {
	case it.PublishedParsed != nil && !it.PublishedParsed.IsZero():
		return it.PublishedParsed.UTC()
	case it.UpdatedParsed != nil && !it.UpdatedParsed.IsZero():
		return it.UpdatedParsed.UTC()
	}
	for _, raw := range []string{it.Published, it.Updated} {
		if t, ok := parseDate(raw); ok {
			return t
		}
	}
	return time.Time{}
}

// parseDate tries extraDateLayouts on s.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range extraDateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// genericTitles are feed titles that do not name the outlet.
var genericTitles = map[string]bool{
	"blog": true, "news": true, "feed": true, "rss": true, "home": true, "posts": true,
	"articles": true, "latest": true, "latest news": true, "all posts": true, "rss feed": true,
}

// feedTitle is the outlet's name: the feed's title, prefixed with the site's
// host when it is generic (CrowdStrike's feed is titled "Blog"), else the
// host alone.
func feedTitle(title, siteLink, feedURL string) string {
	host := siteHost(siteLink)
	if host == "" {
		host = siteHost(feedURL)
	}
	t := cleanTitle(title)
	switch {
	case t == "":
		return host
	case genericTitles[strings.ToLower(t)] && host != "":
		return host + " " + t
	}
	return t
}

// siteHost is raw's host without "www.", or "".
func siteHost(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Hostname() == "" {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
}

// postFooter matches the paragraph WordPress appends to every item, even to
// full content: "The post <title> appeared first on <site>."
var postFooter = regexp.MustCompile(`(?s)(^|\n\n)The post [^\n]{1,500} appeared first on [^\n]{1,200}$`)

// stripPostFooter removes the WordPress footer: it is boilerplate that
// would make every item of a site look alike.
func stripPostFooter(s string) string {
	return strings.TrimSpace(postFooter.ReplaceAllString(s, ""))
}

func isURL(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}
