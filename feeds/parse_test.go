package feeds

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	xhtml "golang.org/x/net/html"

	"github.com/secbrief/secbrief/news"
)

const corpusDir = "../../shared/corpus/feeds"

// readCorpus reads one corpus feed, skipping the test when the corpus is absent.
func readCorpus(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, name))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("corpus file %s not present", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hasMarkup reports whether an HTML tokenizer finds any tag, comment or
// doctype in s.
func hasMarkup(s string) bool {
	z := xhtml.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return false
		case xhtml.TextToken:
		default:
			return true
		}
	}
}

// checkItems asserts the invariants every parsed item must hold.
func checkItems(t *testing.T, feed news.Feed, items []news.Item) {
	t.Helper()
	ids := map[string]bool{}
	for i, it := range items {
		if it.ID == "" || ids[it.ID] {
			t.Errorf("item %d: id %q empty or duplicate", i, it.ID)
		}
		ids[it.ID] = true
		if it.FeedURL != feed.URL || it.FeedTitle != feed.Title {
			t.Errorf("item %d: feed %q/%q, want %q/%q", i, it.FeedURL, it.FeedTitle, feed.URL, feed.Title)
		}
		if strings.TrimSpace(it.Title) == "" || strings.ContainsAny(it.Title, "\r\n\u200b") {
			t.Errorf("item %d: title %q empty or with CR/LF/zero-width space", i, it.Title)
		}
		for _, bad := range []string{"&amp;", "&lt;", "&trade;", "&reg;", "&apos;", "&#"} {
			if strings.Contains(it.Title, bad) || strings.Contains(it.Content, bad) {
				t.Errorf("item %d (%s): undecoded entity %s", i, it.Title, bad)
			}
		}
		if !strings.HasPrefix(it.Link, "https://") || strings.Contains(it.Link, "utm_") || strings.Contains(it.Link, "pk_") {
			t.Errorf("item %d: link %q not absolute https or with tracking parameters", i, it.Link)
		}
		if hasMarkup(it.Content) || strings.Contains(it.Content, "\r") {
			t.Errorf("item %d (%s): content has markup or CR: %.200q", i, it.Title, it.Content)
		}
	}
}

func TestParseCorpus(t *testing.T) {
	type want struct {
		title     string
		items     int
		fullText  bool // every item is full content, not a teaser
		firstID   string
		firstPub  time.Time
		titleHas  string // some item's title contains this
		contentIn string // some item's content contains this
		check     func(t *testing.T, items []news.Item)
	}
	cases := []struct {
		file string
		want want
	}{
		{"bleepingcomputer-2025-07-24.xml", want{ // CRLF, named zone EDT
			title: "BleepingComputer", items: 12,
			firstID:  "https://www.bleepingcomputer.com/news/security/law-enforcement-seizes-blacksuit-ransomware-leak-sites/",
			titleHas: "Clorox",
		}},
		{"bleepingcomputer-2026-07-05.xml", want{title: "BleepingComputer", items: 3, titleHas: "NetNut proxy network disrupted"}},
		{"securityweek-2025-07-24.xml", want{
			title: "SecurityWeek", items: 10, titleHas: "ToolShell Attacks Hit 400+ SharePoint Servers",
			firstPub: time.Date(2025, 7, 24, 13, 38, 9, 0, time.UTC),
			check: func(t *testing.T, items []news.Item) {
				for _, it := range items {
					if strings.Contains(it.Content, "appeared first on") {
						t.Errorf("WordPress footer kept in %q", it.Content)
					}
				}
			},
		}},
		{"databreaches-2025-07-25.xml", want{
			title: "DataBreaches.Net", items: 10, firstID: "https://databreaches.net/?p=123006",
			check: func(t *testing.T, items []news.Item) {
				want := "https://databreaches.net/2025/07/24/the-day-after-xss-is-forum-was-seized-it-struggles-to-come-back-online-but-is-it-really-them/"
				if items[0].Link != want {
					t.Errorf("link = %q, want pk_campaign/pk_kwd stripped: %q", items[0].Link, want)
				}
			},
		}},
		{"microsoft-security-2025-07-24.xml", want{
			title: "Microsoft Security Blog", items: 10, fullText: true, contentIn: "CVE-2025-53770",
			titleHas: "Forrester names Microsoft a Leader", // the feed prefixes it with U+200B twice
			check: func(t *testing.T, items []news.Item) {
				for _, it := range items {
					if strings.HasPrefix(it.Title, "Forrester") {
						return
					}
				}
				t.Error("zero-width spaces not stripped from the Forrester title")
			},
		}},
		{"cisa-advisories-2025-07-21.xml", want{
			title: "CISA Cybersecurity Advisories", items: 10, fullText: true,
			firstID: "/node/23643", firstPub: time.Date(2025, 7, 21, 14, 11, 24, 0, time.UTC),
			titleHas: "#StopRansomware: Interlock", contentIn: "Interlock",
		}},
		{"crowdstrike-2025-07-24.xml", want{ // one line, empty descriptions, non-RFC 822 dates
			title: "crowdstrike.com Blog", items: 10,
			firstID:  "https://www.crowdstrike.com/?p=759938",
			firstPub: time.Date(2025, 7, 23, 5, 0, 0, 0, time.UTC),
			titleHas: "CrowdStrike Ranked #1 in 2025 Frost Radar™ for MDR",
			check: func(t *testing.T, items []news.Item) {
				for _, it := range items {
					if it.Published.IsZero() {
						t.Errorf("%s: date not parsed", it.Title)
					}
					if !IsTeaser(it) {
						t.Errorf("%s: empty description is not a teaser", it.Title)
					}
				}
			},
		}},
		{"schneier-2019-08-21.xml", want{ // Atom, CDATA content, &apos;
			title: "Schneier on Security", items: 10,
			firstID:  "tag:www.schneier.com,2019:/blog//2.12196",
			firstPub: time.Date(2019, 8, 21, 11, 46, 38, 0, time.UTC),
			titleHas: "Influence Operations Kill Chain", contentIn: "The Rand Corp.'s definition",
		}},
		{"krebsonsecurity-2026-07-04.xml", want{ // mixed line endings, comment after </rss>
			title: "Krebs on Security", items: 3, fullText: true,
			firstID: "https://krebsonsecurity.com/?p=73923", titleHas: "FBI Seizes NetNut Proxy Platform",
		}},
		{"thehackernews-2026-07-05.xml", want{ // one line, +0530 offset
			title: "The Hacker News", items: 3,
			firstPub: time.Date(2026, 7, 4, 12, 47, 53, 0, time.UTC), titleHas: "Kairos",
		}},
		{"darkreading-2026-07-03.xml", want{ // CDATA link and guid, "&amp;" in a CDATA title
			title: "darkreading", items: 3,
			firstID:  "https://www.darkreading.com/cyber-risk/chinese-llms-broaden-gap-between-attackers-and-defenders",
			titleHas: "Chinese LLMs Broaden the Gap Between Attackers & Defenders",
		}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			feedURL := "https://feeds.example/" + c.file
			feed, items, err := Parse(readCorpus(t, c.file), feedURL)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if feed.Title != c.want.title || feed.URL != feedURL {
				t.Errorf("feed = %+v, want title %q", feed, c.want.title)
			}
			if len(items) != c.want.items {
				t.Fatalf("%d items, want %d", len(items), c.want.items)
			}
			checkItems(t, feed, items)
			if c.want.firstID != "" && items[0].ID != c.want.firstID {
				t.Errorf("first id = %q, want %q", items[0].ID, c.want.firstID)
			}
			if !c.want.firstPub.IsZero() && !items[0].Published.Equal(c.want.firstPub) {
				t.Errorf("first published = %v, want %v", items[0].Published, c.want.firstPub)
			}
			var titles, contents []string
			for _, it := range items {
				titles, contents = append(titles, it.Title), append(contents, it.Content)
				if c.want.fullText && IsTeaser(it) {
					t.Errorf("%s: full content (%d runes) taken for a teaser", it.Title, len([]rune(it.Content)))
				}
			}
			if c.want.titleHas != "" && !strings.Contains(strings.Join(titles, "\n"), c.want.titleHas) {
				t.Errorf("no title contains %q: %q", c.want.titleHas, titles)
			}
			if c.want.contentIn != "" && !strings.Contains(strings.Join(contents, "\n"), c.want.contentIn) {
				t.Errorf("no content contains %q", c.want.contentIn)
			}
			if c.want.check != nil {
				c.want.check(t, items)
			}
		})
	}
}

// TestParseMalformedRDF: JVN's sample is not well-formed XML (an unquoted
// attribute); Parse gives an error or the items it could read, never a panic.
func TestParseMalformedRDF(t *testing.T) {
	_, items, err := Parse(readCorpus(t, "jvndb-2025-04-13.xml"), "https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf")
	if err != nil {
		t.Logf("malformed RDF rejected: %v", err)
		return
	}
	if len(items) == 0 {
		t.Fatal("no error and no items")
	}
	for _, it := range items {
		if !strings.Contains(it.Title, "脆弱性") || !strings.HasPrefix(it.ID, "https://jvndb.jvn.jp/ja/contents/") {
			t.Errorf("partial item not sane: %+v", it)
		}
	}
}

func TestParseNotAFeed(t *testing.T) {
	for name, body := range map[string]string{
		"html":  `<!doctype html><html><head><title>x</title></head><body>hi</body></html>`,
		"empty": ``,
		"text":  `just words`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, _, err := Parse([]byte(body), "https://x.example/"); !errors.Is(err, ErrNotFeed) {
				t.Errorf("Parse = %v, want ErrNotFeed", err)
			}
		})
	}
}

func TestParseJSONFeedAndIdentityFallbacks(t *testing.T) {
	body := `{"version":"https://jsonfeed.org/version/1.1","title":"JSON Outlet","items":[
		{"id":"a1","url":"https://j.example/a?utm_source=x","title":"With id","content_html":"<p>Hello &amp; <b>bye</b></p>","date_published":"2025-07-24T10:00:00Z"},
		{"url":"/b?pk_campaign=feed&page=2#top","title":"Link only","content_text":"plain"},
		{"title":"Neither","content_text":"same text"}]}`
	feed, items, err := Parse([]byte(body), "https://J.example:443/feed.json")
	if err != nil {
		t.Fatal(err)
	}
	if feed.Title != "JSON Outlet" || len(items) != 3 {
		t.Fatalf("feed %+v with %d items", feed, len(items))
	}
	cases := []struct {
		name, gotID, wantID, gotLink, wantLink string
	}{
		{"guid wins", items[0].ID, "a1", items[0].Link, "https://j.example/a"},
		{"canonical link", items[1].ID, "https://j.example/b?page=2", items[1].Link, "https://j.example/b?page=2"},
		{"hash of title and content", items[2].ID, hashID("Neither\nsame text"), items[2].Link, ""},
	}
	for _, c := range cases {
		if c.gotID != c.wantID || c.gotLink != c.wantLink {
			t.Errorf("%s: id %q link %q, want %q %q", c.name, c.gotID, c.gotLink, c.wantID, c.wantLink)
		}
	}
	if items[0].Content != "Hello & bye" {
		t.Errorf("content = %q", items[0].Content)
	}
	// Same body twice: same ids.
	_, again, _ := Parse([]byte(body), "https://J.example:443/feed.json")
	for i := range items {
		if items[i].ID != again[i].ID {
			t.Errorf("item %d id changed between parses: %q vs %q", i, items[i].ID, again[i].ID)
		}
	}
}

func TestCanonicalLink(t *testing.T) {
	cases := []struct{ name, raw, base, want string }{
		{"tracking stripped, host lowercased", "HTTPS://Example.COM/a?utm_source=x&utm_medium=rss&id=3&fbclid=z", "", "https://example.com/a?id=3"},
		{"matomo params", "https://databreaches.net/x/?pk_campaign=feed&pk_kwd=x", "", "https://databreaches.net/x/"},
		{"default port and fragment", "http://example.com:80/p#frag", "", "http://example.com/p"},
		{"relative resolved", "../b?x=1", "https://example.com/feed/rss", "https://example.com/b?x=1"},
		{"query sorted", "https://e.example/?b=2&a=1", "", "https://e.example/?a=1&b=2"},
		{"not http", "javascript:alert(1)", "", ""},
		{"empty", "  ", "https://e.example/", ""},
		{"credentials dropped", "https://u:p@e.example/x", "", "https://e.example/x"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := CanonicalLink(c.raw, c.base); got != c.want {
				t.Errorf("CanonicalLink(%q) = %q, want %q", c.raw, got, c.want)
			}
		})
	}
}

func TestPlainText(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"paragraphs", "<p>One <b>two</b></p><p>Three</p>", "One two\n\nThree"},
		{"entities", "AT&amp;T &lt;rocks&gt; &#8217;", "AT&T < rocks> ’"},
		{"double escaped html", "&lt;p&gt;Hello&lt;/p&gt;&lt;p&gt;World&lt;/p&gt;", "Hello\n\nWorld"},
		{"scripts and hidden dropped", `<div>a<script>evil()</script><span style="display: none">hidden</span><p hidden>h2</p>b</div>`, "a\n\nb"},
		{"invisible unicode", "zero\u200bwidth\u202e", "zerowidth"},
		{"comment dropped", "a<!-- c -->b", "ab"},
		{"br splits", "line1<br>line2", "line1\n\nline2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := PlainText(c.in)
			if got != c.want {
				t.Errorf("PlainText(%q) = %q, want %q", c.in, got, c.want)
			}
			if hasMarkup(got) {
				t.Errorf("PlainText(%q) = %q has markup", c.in, got)
			}
		})
	}
}

func TestIsTeaser(t *testing.T) {
	long := strings.Repeat("word ", 200)
	cases := []struct {
		name    string
		content string
		want    bool
	}{
		{"empty", "", true},
		{"short", "A short excerpt.", true},
		{"long article", long + "The end.", false},
		{"long with ellipsis marker", long + "[…]", true},
		{"long with read more", long + "Read more »", true},
		{"long with appeared first on", long + "The post X appeared first on Site.", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := IsTeaser(news.Item{Content: c.content}); got != c.want {
				t.Errorf("IsTeaser = %v, want %v", got, c.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.xml"))
	for _, name := range files {
		// The head of each real feed: whole files (up to 829 KB) stall the
		// coverage-guided mutator.
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b[:min(len(b), 2048)])
		}
	}
	f.Add([]byte(`<rss version="2.0"><channel><title>t</title><item><title>&lt;b&gt;x</title><description>&amp;lt;p&amp;gt;y</description></item><item></item></channel></rss>`))
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><content type="html">&lt;script&gt;x&lt;/script&gt;&lt;a href=x&gt;l&lt;/a&gt;</content></entry></feed>`))
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1","items":[{"content_html":"<!--x-->a<b"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		feed, items, err := Parse(body, "https://fuzz.example/feed")
		if err != nil {
			return
		}
		ids := map[string]bool{}
		for _, it := range items {
			if it.ID == "" || ids[it.ID] {
				t.Fatalf("item id %q empty or duplicate", it.ID)
			}
			ids[it.ID] = true
			if hasMarkup(it.Content) {
				t.Fatalf("content has markup: %q", it.Content)
			}
			if it.Link != "" && CanonicalLink(it.Link, "") != it.Link {
				t.Fatalf("link %q is not canonical", it.Link)
			}
			if it.FeedTitle != feed.Title {
				t.Fatalf("item feed title %q != %q", it.FeedTitle, feed.Title)
			}
		}
	})
}
