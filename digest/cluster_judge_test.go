package digest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

type guildCtxKey struct{}

// fakeJudge answers as an LLM judge would: a pair is one story when both
// texts name one of its events. It records each call's pairs and guild.
type fakeJudge struct {
	events []string
	err    error

	mu     sync.Mutex
	calls  [][][2]string
	guilds []string
}

func (j *fakeJudge) SameStory(ctx context.Context, pairs [][2]string) ([]bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.calls = append(j.calls, pairs)
	g, _ := ctx.Value(guildCtxKey{}).(string)
	j.guilds = append(j.guilds, g)
	if j.err != nil {
		return nil, j.err
	}
	out := make([]bool, len(pairs))
	for i, p := range pairs {
		for _, ev := range j.events {
			out[i] = out[i] || strings.Contains(p[0], ev) && strings.Contains(p[1], ev)
		}
	}
	return out, nil
}

// zorvexItems are two outlets' items on one Zorvex attack that share only
// the gang's name, each naming a victim the other does not: clustering is
// unsure about them.
func zorvexItems(at time.Time) []news.Item {
	return []news.Item{
		{ID: "a1", FeedURL: "feed-a", FeedTitle: "Outlet A", Title: "Zorvex ransomware hits Acme hospitals", Link: "https://a/1",
			Content: "The Zorvex gang attacked hospitals run by Acme over the weekend, the company said.", Published: at},
		{ID: "b1", FeedURL: "feed-b", FeedTitle: "Outlet B", Title: "Zorvex gang leaks Contoso records", Link: "https://b/1",
			Content: "The Zorvex operators published files stolen from Contoso, a logistics firm.", Published: at.Add(time.Hour)},
	}
}

func TestClusterJudged(t *testing.T) {
	items := zorvexItems(t0)
	if c := link(items, DefaultWindow); len(c.unsure) != 1 || len(c.stories()) != 2 {
		t.Fatalf("%d unsure pairs, %d stories; want the pair unsure and apart", len(c.unsure), len(c.stories()))
	}
	tests := []struct {
		name    string
		judge   *fakeJudge
		stories int
		wantErr bool
	}{
		{"judged one story", &fakeJudge{events: []string{"Zorvex"}}, 1, false},
		{"judged two stories", &fakeJudge{}, 2, false},
		{"judge failed: kept apart", &fakeJudge{err: errors.New("llm down")}, 2, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stories, err := ClusterJudged(context.Background(), items, DefaultWindow, tc.judge)
			if (err != nil) != tc.wantErr || len(stories) != tc.stories {
				t.Fatalf("%d stories, err %v; want %d, error %v", len(stories), err, tc.stories, tc.wantErr)
			}
			if len(tc.judge.calls) != 1 || len(tc.judge.calls[0]) != 1 {
				t.Fatalf("judge calls %v, want one call with the one pair", tc.judge.calls)
			}
			if p := tc.judge.calls[0][0]; !strings.HasPrefix(p[0], "Zorvex ransomware hits Acme hospitals | The Zorvex gang") {
				t.Errorf("judge text %q, want title | first sentences", p[0])
			}
		})
	}
	// Sure pairs and far-apart pairs never reach the judge.
	j := &fakeJudge{events: []string{"Zorvex"}}
	far := zorvexItems(t0)
	far[1].Published = t0.Add(DefaultWindow + time.Hour)
	if stories, _ := ClusterJudged(context.Background(), far, DefaultWindow, j); len(stories) != 2 || len(j.calls) != 0 {
		t.Fatalf("items 7 days apart: %d stories, %d judge calls; want 2 and none", len(stories), len(j.calls))
	}
}

// TestRunnerLLMMerge: with a judge (digest.llm_merge) the digest asks it
// once, billed to its guild, and shows the judged pair as one story;
// without one (the default) the pair stays two stories.
func TestRunnerLLMMerge(t *testing.T) {
	for _, withJudge := range []bool{false, true} {
		e := newEnv(t)
		ctx := context.Background()
		for _, it := range zorvexItems(e.clock.Now().Add(-2 * time.Hour)) {
			if _, err := e.store.Subscribe(ctx, guild, it.FeedURL, it.FeedTitle); err != nil {
				t.Fatal(err)
			}
			it.Content = strings.Repeat(it.Content+" ", 10)
			if _, err := e.store.AddItems(ctx, it.FeedURL, []news.Item{it}); err != nil {
				t.Fatal(err)
			}
		}
		cfg := Config{WithGuild: func(ctx context.Context, g string) context.Context { return context.WithValue(ctx, guildCtxKey{}, g) }}
		j := &fakeJudge{events: []string{"Zorvex"}}
		if withJudge {
			cfg.Judge = j
		}
		res, err := e.runner(cfg).Now(ctx, news.DigestTarget{GuildID: guild, ChannelID: channel})
		if err != nil {
			t.Fatal(err)
		}
		want := 2
		if withJudge {
			want = 1
			if len(j.calls) != 1 || j.guilds[0] != guild {
				t.Fatalf("judge calls %d for guilds %v, want one for %s", len(j.calls), j.guilds, guild)
			}
		}
		if got := len(res.Digest.Stories) + len(res.Digest.Headlines); got != want {
			t.Fatalf("judge %v: %d stories, want %d", withJudge, got, want)
		}
	}
}
