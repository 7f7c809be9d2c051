package news

import "time"

// Feed is an RSS, Atom or JSON feed that guilds subscribe to.
type Feed struct {
	URL   string
	Title string
}

// Item is one entry of a feed, with a stable identity.
type Item struct {
	// ID is the item's stable identity within its feed: the GUID, else the
	// canonical link, else a hash of title and content.
	ID        string
	FeedURL   string
	FeedTitle string // the outlet's name, for "also covered by"
	Title     string
	Link      string
	// Content is the item's text (plain text; full content when the feed
	// carries it, else the description).
	Content   string
	Published time.Time
}

// Story is one piece of news: the items of several outlets that cover the
// same event. Lead is the item that gets summarized.
type Story struct {
	Lead   Item
	Others []Item
	// CVEs are the CVE ids found in any of the story's items.
	CVEs []string
	// Summary is the lead's summary; nil when the story was not summarized
	// (LLM failure or budget spent), in which case the digest shows the
	// headline and first sentences.
	Summary *Summary
	// Update marks a story the channel was already shown (by a digest
	// posted within the last 7 days) that has news since: a CVE or GHSA id
	// it did not name, reported exploitation, or a patch among its
	// summary's actions. Its items are only the new outlets' ones;
	// FirstPosted is when the channel's digest first showed the story.
	Update      bool      `json:",omitempty"`
	FirstPosted time.Time `json:",omitzero"`
	// Intel is what was known, when the digest was built, of the CVEs the
	// story and its summary name, by upper-case id; CVEs nothing is known
	// of are left out. It is recorded with the digest, so a digest resumed
	// later renders as it was first rendered.
	Intel map[string]CVEIntel `json:",omitempty"`
}

// Outlets is the number of distinct feeds that carried the story.
func (s Story) Outlets() int {
	seen := map[string]bool{s.Lead.FeedURL: true}
	for _, o := range s.Others {
		seen[o.FeedURL] = true
	}
	return len(seen)
}

// Digest is the ranked list of stories posted to one channel at one time.
type Digest struct {
	GuildID   string
	ChannelID string
	At        time.Time
	Stories   []Story
	// Headlines are the stories past the item limit, listed by headline
	// and link only ("…and 37 more:"), in rank order; their items carry no
	// content and they have no summary.
	Headlines []Story `json:",omitempty"`
	// More is how many stories were left out entirely (digests recorded
	// before Headlines existed).
	More int
}

// Key identifies the item across feeds: its FeedURL and ID.
func (it Item) Key() string { return it.FeedURL + "\x00" + it.ID }

// Article is the item's own text as an article. The text belongs to the
// feed item (FeedURL, ItemID): it never stands for the page at Link, which
// anyone's feed may link with words of its own.
func (it Item) Article() Article {
	return Article{URL: it.Link, Title: it.Title, Site: it.FeedTitle, Published: it.Published, Text: it.Content,
		FeedURL: it.FeedURL, ItemID: it.ID}
}

// FillFrom returns page, the article fetched at a feed item's link, with
// the title, site and date it lacks taken from feed, the item's own
// article (see Item.Article).
func (page Article) FillFrom(feed Article) Article {
	if page.Title == "" {
		page.Title = feed.Title
	}
	if page.Site == "" {
		page.Site = feed.Site
	}
	if page.Published.IsZero() {
		page.Published = feed.Published
	}
	return page
}
