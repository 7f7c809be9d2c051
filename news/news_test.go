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
