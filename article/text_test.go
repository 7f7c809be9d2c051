package article

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFromTextCorpus(t *testing.T) {
	path := filepath.Join(corpusDir, "text", "000_ada40e4cc4d9c201.txt")
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("corpus absent:", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	a, err := FromText(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(raw), "\n")
	want := strings.TrimSpace(strings.TrimPrefix(first, "Title:"))
	if a.Title != want {
		t.Errorf("title %q, want %q", a.Title, want)
	}
	if a.Title != "Biden Administration Privately Warned Iran of Looming Terrorist Threat Prior to Kerman Attacks" {
		t.Errorf("title %q", a.Title)
	}
	if !strings.Contains(a.Text, "Kerman") || len(strings.Fields(a.Text)) < len(strings.Fields(string(raw)))-1 {
		t.Errorf("text not kept as is: %d words of %d", len(strings.Fields(a.Text)), len(strings.Fields(string(raw))))
	}
}

func TestFromText(t *testing.T) {
	tests := []struct {
		name, in, wantTitle string
		wantErr             error
	}{
		{"title line", "Patch now: Exchange flaw exploited\n\n" + bodyParagraph, "Patch now: Exchange flaw exploited", nil},
		{"title label", "title:  Exchange flaw \n" + bodyParagraph, "Exchange flaw", nil},
		{"leading blank lines and CRLF", "\r\n\r\n  Exchange flaw exploited\r\n" + bodyParagraph, "Exchange flaw exploited", nil},
		{"first line is a sentence", bodyParagraph + "\n" + bodyParagraph, "", nil},
		{"single paragraph", bodyParagraph, "", nil},
		{"invisible title chars", "Exch\u200Bange\U000E0041 flaw\n" + bodyParagraph, "Exchange flaw", nil},
		{"too short", "Accept cookies?\nYes / No", "", ErrNoArticle},
		{"empty", "", "", ErrNoArticle},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := FromText(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if a.Title != tt.wantTitle {
				t.Errorf("title %q, want %q", a.Title, tt.wantTitle)
			}
			if strings.ContainsAny(a.Text, "\r\u200B") {
				t.Errorf("text not normalized: %q", a.Text)
			}
		})
	}
}
