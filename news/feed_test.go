package news

import (
	"testing"
	"time"
)

// TestItemArticle: an item's own text is an article of the feed item, not
// of the page it links, and a page fetched at the link takes what it lacks
// from it.
func TestItemArticle(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	it := Item{FeedURL: "https://f.example/feed", ID: "guid-1", FeedTitle: "F News", Title: "Acme patches",
		Link: "https://acme.example/adv", Content: "Acme fixed it.", Published: at}
	a := it.Article()
	if a.URL != it.Link || a.Title != it.Title || a.Site != "F News" || a.Text != it.Content || !a.Published.Equal(at) ||
		a.FeedURL != it.FeedURL || a.ItemID != "guid-1" {
		t.Fatalf("Article() = %+v", a)
	}
	if page := (Article{URL: it.Link, Title: it.Title, Text: it.Content}); page.Hash() == a.Hash() {
		t.Error("the feed's text hashes like a page of the same text at the link")
	}

	page := Article{URL: it.Link, Text: "The advisory in full."}.FillFrom(a)
	if page.Title != "Acme patches" || page.Site != "F News" || !page.Published.Equal(at) || page.Text != "The advisory in full." ||
		page.FeedURL != "" || page.ItemID != "" {
		t.Errorf("FillFrom of a bare page = %+v", page)
	}
	own := Article{URL: it.Link, Title: "Advisory", Site: "Acme", Published: at.Add(-time.Hour), Text: "x"}.FillFrom(a)
	if own.Title != "Advisory" || own.Site != "Acme" || !own.Published.Equal(at.Add(-time.Hour)) {
		t.Errorf("FillFrom replaced the page's own fields: %+v", own)
	}
}
