package digest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

func TestCandidates(t *testing.T) {
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	items := []news.Item{{ID: "old", Published: at(-5)}, {ID: "new", Published: at(-1)}, {ID: "mid", Published: at(-3)},
		{ID: "newest", Published: at(0)}, {ID: "older", Published: at(-4)}}
	ids := func(items []news.Item) []string {
		var out []string
		for _, it := range items {
			out = append(out, it.ID)
		}
		return out
	}
	tests := []struct {
		name           string
		max            int
		keep, overflow []string
	}{
		{"newest kept in their order, older ones overflow", 3, []string{"new", "mid", "newest"}, []string{"old", "older"}},
		{"room for all", 5, ids(items), nil},
		{"no cap", 0, ids(items), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keep, overflow := candidates(slices.Clone(items), tc.max)
			if !slices.Equal(ids(keep), tc.keep) || !slices.Equal(ids(overflow), tc.overflow) {
				t.Fatalf("keep %v overflow %v, want %v and %v", ids(keep), ids(overflow), tc.keep, tc.overflow)
			}
		})
	}
}

// TestMaxCandidatesMarksTheRestSeen: a digest considers only the newest
// max_candidates unseen items; the older ones are never shown, neither in
// it nor later, and no LLM call is made for them.
func TestMaxCandidatesMarksTheRestSeen(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	items := e.addItems(t, "feed-a", 5, distinct) // item 0 newest
	r := e.runner(Config{MaxCandidates: 3})
	res, err := r.Now(ctx, news.DigestTarget{GuildID: guild, ChannelID: channel})
	if err != nil {
		t.Fatal(err)
	}
	var shown []string
	for _, s := range append(slices.Clone(res.Digest.Stories), res.Digest.Headlines...) {
		for _, it := range append([]news.Item{s.Lead}, s.Others...) {
			shown = append(shown, it.ID)
		}
	}
	slices.Sort(shown)
	if want := []string{items[0].ID, items[1].ID, items[2].ID}; !slices.Equal(shown, want) {
		t.Fatalf("digest shows %v, want the newest three %v", shown, want)
	}
	if e.sum.Calls() != 3 {
		t.Fatalf("LLM calls %d, want 3 (none for the items past max_candidates)", e.sum.Calls())
	}
	if got := e.unseen(t); len(got) != 0 {
		t.Fatalf("%d items still unseen, want 0: the older items are marked seen", len(got))
	}
	e.clock.Advance(time.Hour)
	if _, err := r.Now(ctx, news.DigestTarget{GuildID: guild, ChannelID: channel}); !errors.Is(err, news.ErrNothingNew) {
		t.Fatalf("next digest: err %v, want news.ErrNothingNew (older items never posted late)", err)
	}
}
