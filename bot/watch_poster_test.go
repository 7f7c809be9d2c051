package bot

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/secbrief/secbrief/internal/fakediscord"
	"github.com/secbrief/secbrief/news"
)

// watchedStory is a story matched by "Acme" with a hostile title.
func watchedStory(role string) news.WatchedStory {
	title := "@everyone <@123> Acme Gateway flaw exploited"
	i := strings.Index(title, "Acme")
	return news.WatchedStory{
		Story: news.Story{Lead: news.Item{ID: "1", FeedURL: "https://news.example/feed", FeedTitle: "News",
			Title: title, Link: "https://news.example/1", Content: "Attackers exploit Acme Gateway."}},
		Matches: []news.WatchMatch{{WatchID: 1, Term: "Acme", RoleID: role, Field: "title", Text: title, Start: i, End: i + 4}},
	}
}

func TestPostWatchAlertPingsItsRoleOnlyWithNonce(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		role  string
		roles []string
	}{
		{"with a role", "4242", []string{"4242"}},
		{"without a role", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := fakediscord.New(t, fakediscord.Options{})
			ch := srv.ChannelID()
			p := NewDigestPoster(srv.NewSession(t), nil)
			ctx := context.Background()
			// The same nonce twice (a retry whose answer was lost): one message.
			for range 2 {
				if _, err := p.PostWatchAlert(ctx, ch, watchedStory(c.role), "sbw1"); err != nil {
					t.Fatal(err)
				}
			}
			if n := len(srv.Messages(ch)); n != 1 {
				t.Fatalf("%d messages, want 1", n)
			}
			reqs := creates(srv, ch)
			req := reqs[0]
			am := req.Message.AllowedMentions
			if am == nil || am.Parse == nil || len(am.Parse) != 0 || len(am.Users) != 0 || !slices.Equal(am.Roles, c.roles) {
				t.Fatalf("allowed_mentions = %+v, want parse [] roles %v", am, c.roles)
			}
			var nonce string
			if err := json.Unmarshal(req.Message.Nonce, &nonce); err != nil || nonce != "sbw1" || !req.Message.EnforceNonce {
				t.Errorf("nonce %s enforce %v, want sbw1 enforced", req.Message.Nonce, req.Message.EnforceNonce)
			}
			// Only the role can be pinged: the article's @everyone and <@123> cannot.
			for _, r := range reqs {
				body := string(r.Body)
				if strings.Contains(body, "<@123>") || strings.Contains(body, "@everyone") {
					t.Errorf("article mention left live: %s", body)
				}
			}
		})
	}
}

func TestPostWatchBatchPingsEachRoleOnce(t *testing.T) {
	t.Parallel()
	srv := fakediscord.New(t, fakediscord.Options{})
	ch := srv.ChannelID()
	p := NewDigestPoster(srv.NewSession(t), nil)
	stories := []news.WatchedStory{watchedStory("1"), watchedStory("2"), watchedStory("1"), watchedStory("")}
	id, err := p.PostWatchBatch(context.Background(), ch, stories, "sbwb1")
	if err != nil || id == "" {
		t.Fatalf("PostWatchBatch = %q, %v", id, err)
	}
	req := creates(srv, ch)[0]
	if am := req.Message.AllowedMentions; am == nil || !slices.Equal(am.Roles, []string{"1", "2"}) || len(am.Parse) != 0 || am.Parse == nil {
		t.Fatalf("allowed_mentions = %+v, want parse [] roles [1 2]", am)
	}
	if _, err := p.PostWatchBatch(context.Background(), ch, nil, "sbwb2"); err == nil {
		t.Error("an empty batch was posted")
	}
}
