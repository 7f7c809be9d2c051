package digest

import (
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/secbrief/secbrief/news"
)

// corpusDir holds the real feed snapshots (see its SOURCES.md).
const corpusDir = "../../shared/corpus/feeds"

var tagPattern = regexp.MustCompile(`<[^>]*>`)

// plain turns a feed's HTML description into rough plain text.
func plain(s string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tagPattern.ReplaceAllString(s, " "))), " ")
}

// corpusItems parses the named corpus feeds with gofeed into news items;
// an item without a parsable date gets the file's capture date, as storage
// would use its first-seen time. It skips the test when the corpus is absent.
func corpusItems(t testing.TB, files ...string) []news.Item {
	t.Helper()
	var items []news.Item
	for _, name := range files {
		path := filepath.Join(corpusDir, name)
		f, err := os.Open(path)
		if os.IsNotExist(err) {
			t.Skipf("corpus not present: %s", path)
		}
		if err != nil {
			t.Fatal(err)
		}
		feed, err := gofeed.NewParser().Parse(f)
		f.Close()
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		captured, err := time.Parse("2006-01-02", strings.TrimSuffix(name[strings.LastIndexByte(name[:len(name)-4], '-')-7:], ".xml"))
		if err != nil {
			t.Fatalf("date in %s: %v", name, err)
		}
		for _, it := range feed.Items {
			content := it.Content
			if content == "" {
				content = it.Description
			}
			ni := news.Item{
				ID: it.GUID, FeedURL: "https://" + name, FeedTitle: feed.Title,
				Title: html.UnescapeString(it.Title), Link: it.Link, Content: plain(content), Published: captured,
			}
			if ni.ID == "" {
				ni.ID = it.Link
			}
			if it.PublishedParsed != nil {
				ni.Published = it.PublishedParsed.UTC()
			}
			items = append(items, ni)
		}
	}
	return items
}
