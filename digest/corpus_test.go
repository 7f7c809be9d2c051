package digest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/feeds"
	"github.com/secbrief/secbrief/news"
)

// corpusDir holds the real feed snapshots (see its SOURCES.md).
const corpusDir = "../../shared/corpus/feeds"

// corpusFiles lists every feed file of the corpus; it skips the test when
// the corpus is absent.
func corpusFiles(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(corpusDir, "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Skipf("corpus not present: %s", corpusDir)
	}
	files := make([]string, len(paths))
	for i, p := range paths {
		files[i] = filepath.Base(p)
	}
	return files
}

// corpusFeedURL is the feed address a corpus file stands for in tests.
func corpusFeedURL(file string) string { return "https://corpus.test/" + file }

// corpusItems parses the named corpus feeds with the feeds package's
// parser, as the runner sees them once polled; an item without a date gets
// the file's capture date, as storage would use its first-seen time. It
// skips the test when the corpus is absent.
func corpusItems(t testing.TB, files ...string) []news.Item {
	t.Helper()
	var items []news.Item
	for _, name := range files {
		path := filepath.Join(corpusDir, name)
		body, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			t.Skipf("corpus not present: %s", path)
		}
		if err != nil {
			t.Fatal(err)
		}
		_, parsed, err := feeds.Parse(body, corpusFeedURL(name))
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		stamp := strings.TrimSuffix(name, ".xml")
		captured, err := time.Parse("2006-01-02", stamp[len(stamp)-len("2006-01-02"):])
		if err != nil {
			t.Fatalf("date in %s: %v", name, err)
		}
		for _, it := range parsed {
			if it.Published.IsZero() {
				it.Published = captured
			}
			items = append(items, it)
		}
	}
	return items
}
