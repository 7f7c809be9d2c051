package summarizer

import (
	"context"
	"testing"

	"github.com/secbrief/secbrief/news"
)

// A summary of a page is shared by everyone who asks for that page; a
// summary of text a feed carried is its feed item's alone: the same words
// from another feed, another item of the feed, or a page are summarized
// (and cached) apart.
func TestSummaryCachedPerFeedItem(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	page := advisory(1)
	feed := page
	feed.FeedURL, feed.ItemID = "https://attacker.example/feed.xml", "1"
	otherFeed := feed
	otherFeed.FeedURL = "https://outlet.example/rss"
	otherItem := feed
	otherItem.ItemID = "2"

	steps := []struct {
		name   string
		a      news.Article
		cached bool
	}{
		{"feed item", feed, false},
		{"same feed item again", feed, true},
		{"page with the same words", page, false},
		{"page again", page, true},
		{"another feed's copy", otherFeed, false},
		{"another item of the feed", otherItem, false},
	}
	for _, st := range steps {
		calls := e.llm.Calls()
		sum, err := e.s.Summarize(ctx, st.a)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if called := e.llm.Calls() > calls; sum.Cached != st.cached || called == st.cached {
			t.Errorf("%s: cached %v, LLM called %v; want cached %v", st.name, sum.Cached, called, st.cached)
		}
		if sum.ArticleHash != st.a.Hash() {
			t.Errorf("%s: summary's article hash %s, want %s", st.name, sum.ArticleHash, st.a.Hash())
		}
		if stored, ok := e.cache.articles[st.a.Hash()]; !ok || stored.FeedURL != st.a.FeedURL || stored.ItemID != st.a.ItemID {
			t.Errorf("%s: stored article %+v lost its provenance", st.name, stored)
		}
	}
}
