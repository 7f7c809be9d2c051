package commands

import (
	"encoding/json"
	"testing"

	"github.com/secbrief/secbrief/news"
)

// TestAnswerDirectResponses: the pre-encoded initial responses of a
// summary answer at once (type 4) with its embed, never ping, and only the
// private one is ephemeral.
func TestAnswerDirectResponses(t *testing.T) {
	ans := newAnswer(news.Article{URL: "https://example.com/a", Title: "A", Text: "Text of the article."},
		news.Summary{Title: "Acme Gateway flaw @everyone", TLDR: "Patch now.", Severity: news.SeverityHigh})
	for k, private := range []bool{false, true} {
		var got struct {
			Type int `json:"type"`
			Data struct {
				Embeds          []json.RawMessage `json:"embeds"`
				Flags           int               `json:"flags"`
				AllowedMentions *struct {
					Parse []string `json:"parse"`
				} `json:"allowed_mentions"`
			} `json:"data"`
		}
		if err := json.Unmarshal(ans.direct[k], &got); err != nil {
			t.Fatalf("private=%v: %v in %s", private, err, ans.direct[k])
		}
		if got.Type != 4 || len(got.Data.Embeds) != 1 {
			t.Errorf("private=%v: type %d with %d embeds, want type 4 with the summary embed", private, got.Type, len(got.Data.Embeds))
		}
		if am := got.Data.AllowedMentions; am == nil || am.Parse == nil || len(am.Parse) != 0 {
			t.Errorf("private=%v: allowed_mentions %s, want parse []", private, ans.direct[k])
		}
		if ephemeral := got.Data.Flags&64 != 0; ephemeral != private {
			t.Errorf("private=%v: ephemeral flag %v", private, ephemeral)
		}
	}
}
