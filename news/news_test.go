package news

import (
	"testing"
)

func TestParseSeverity(t *testing.T) {
	tests := []struct {
		in      string
		want    Severity
		wantErr bool
	}{
		{"critical", SeverityCritical, false},
		{" High ", SeverityHigh, false},
		{"MEDIUM", SeverityMedium, false},
		{"info", SeverityInfo, false},
		{"severe", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSeverity(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("ParseSeverity(%q) = %q, %v", tt.in, got, err)
			}
		})
	}
}

func TestSeverityRank(t *testing.T) {
	order := []Severity{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow, SeverityInfo, "unknown"}
	for i := 1; i < len(order); i++ {
		if order[i-1].Rank() >= order[i].Rank() {
			t.Errorf("%s does not rank before %s", order[i-1], order[i])
		}
	}
	if Severity("unknown").Valid() || !SeverityLow.Valid() {
		t.Error("Valid is wrong")
	}
}

func TestArticleHashIgnoresWhitespaceOnly(t *testing.T) {
	a := Article{Text: "Acme  patched\n\nCVE-2026-1 today."}
	b := Article{Text: " Acme patched CVE-2026-1\ttoday. ", URL: "https://elsewhere.example/"}
	c := Article{Text: "Acme patched CVE-2026-2 today."}
	if a.Hash() != b.Hash() {
		t.Error("whitespace changes the hash")
	}
	if a.Hash() == c.Hash() {
		t.Error("different text, same hash")
	}
	if len(a.Hash()) != 64 {
		t.Errorf("hash %q is not hex SHA-256", a.Hash())
	}
}

func TestStoryOutlets(t *testing.T) {
	s := Story{
		Lead:   Item{FeedURL: "a"},
		Others: []Item{{FeedURL: "b"}, {FeedURL: "a"}, {FeedURL: "c"}},
	}
	if got := s.Outlets(); got != 3 {
		t.Fatalf("Outlets() = %d, want 3", got)
	}
}

func TestArticleHashKeepsFeedTextApart(t *testing.T) {
	page := Article{URL: "https://victim.example/story", Text: "Acme patched CVE-2026-1 today."}
	// Hashes stored before feed provenance existed must stay valid: a page's
	// hash is still the SHA-256 of its collapsed text (sha256("x") here).
	if got := (Article{Text: "x"}).Hash(); got != "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881" {
		t.Errorf("page hash changed: %s", got)
	}
	feed := page
	feed.FeedURL, feed.ItemID = "https://attacker.example/feed.xml", "1"
	other := feed
	other.FeedURL = "https://outlet.example/rss"
	otherItem := feed
	otherItem.ItemID = "2"
	hashes := map[string]string{"page": page.Hash(), "feed": feed.Hash(), "other feed": other.Hash(), "other item": otherItem.Hash()}
	seen := map[string]string{}
	for name, h := range hashes {
		if prev, dup := seen[h]; dup {
			t.Errorf("%s and %s share hash %s", prev, name, h)
		}
		seen[h] = name
	}
	if !feed.FromFeed() || page.FromFeed() {
		t.Error("FromFeed is wrong")
	}
	// Field boundaries are unambiguous.
	a := Article{Text: "t", FeedURL: "https://a.example/f1", ItemID: "23"}
	b := Article{Text: "t", FeedURL: "https://a.example/f12", ItemID: "3"}
	if a.Hash() == b.Hash() {
		t.Error("feed and item id boundaries collide")
	}
	// A page cannot spell its way into a feed item's identity.
	forged := Article{Text: "\x00feed\x00" + "33:https://attacker.example/feed.xml1:1" + page.Text}
	if forged.Hash() == feed.Hash() {
		t.Error("a page's text forged a feed item's hash")
	}
}
