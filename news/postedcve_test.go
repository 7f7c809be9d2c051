package news

import (
	"testing"
	"time"
)

// TestPostedIn: stories of other channels lose title and link, keep their
// message and date; those of the channel are kept whole; the input is not
// changed.
func TestPostedIn(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	ps := []PostedCVE{
		{GuildID: "g", ChannelID: "here", MessageID: "1", CVE: "CVE-2025-1", Title: "Here", URL: "https://a.example/1", PostedAt: at},
		{GuildID: "g", ChannelID: "there", MessageID: "2", CVE: "CVE-2025-1", Title: "There", URL: "https://a.example/2", PostedAt: at},
	}
	got := PostedIn(ps, "here")
	want := []PostedCVE{ps[0], {GuildID: "g", ChannelID: "there", MessageID: "2", CVE: "CVE-2025-1", PostedAt: at}}
	if len(got) != len(want) {
		t.Fatalf("PostedIn = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("PostedIn[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	if ps[1].Title != "There" || ps[1].URL != "https://a.example/2" {
		t.Errorf("PostedIn changed its input: %+v", ps[1])
	}
}
