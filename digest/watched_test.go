package digest

import (
	"context"
	"strings"
	"testing"

	"github.com/secbrief/secbrief/news"
)

// watchedTitle is a fake watch list: stories whose lead title has word.
type watchedTitle struct{ guild, word string }

func (w watchedTitle) Watched(_ context.Context, guildID string, s news.Story) bool {
	return guildID == w.guild && strings.Contains(s.Lead.Title, w.word)
}

func TestWatchedStoriesComeFirst(t *testing.T) {
	cases := []struct {
		name    string
		watched Watched
		first   bool // the watched story leads the digest
	}{
		{"no watches: usual ranking", nil, false},
		{"watched story first", watchedTitle{guild, "juliet"}, true},
		{"another guild's watch changes nothing", watchedTitle{"g2", "juliet"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			// Ten stories; the one titled "juliet" (i = 9) is the oldest, so
			// it ranks last and is listed by headline only.
			e.addItems(t, "feed-a", 10, distinct)
			r := e.runner(Config{MaxItems: 2, Watched: c.watched})
			res, err := r.Now(context.Background(), news.DigestTarget{GuildID: guild, ChannelID: channel})
			if err != nil {
				t.Fatal(err)
			}
			lead := res.Digest.Stories[0]
			if got := strings.Contains(lead.Lead.Title, "juliet"); got != c.first {
				t.Fatalf("first story %q; watched first = %v, want %v", lead.Lead.Title, got, c.first)
			}
			if c.first && lead.Summary == nil {
				t.Errorf("the watched story was not among those summarized")
			}
		})
	}
}
