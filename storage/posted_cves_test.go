package storage

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

func TestPostedCVEs(t *testing.T) {
	forEachDriver(t, func(t *testing.T, open storeOpener) {
		ctx := context.Background()
		clock := &testClock{t: time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)}
		s := open(t, WithClock(clock.Now))
		t0 := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
		summary := news.PostedCVE{GuildID: "g1", ChannelID: "c1", MessageID: "m1", CVE: "cve-2026-1234",
			Title: "ExampleVPN exploited", URL: "https://news.example/vpn", PostedAt: t0}
		digest := news.PostedCVE{GuildID: "g1", ChannelID: "c2", MessageID: "m2", CVE: "CVE-2026-1234",
			Title: "Digest story", URL: "https://feed.example/1", PostedAt: t0.Add(24 * time.Hour)}
		other := news.PostedCVE{GuildID: "g1", ChannelID: "c2", MessageID: "m2", CVE: "CVE-2026-9999",
			Title: "Digest story", URL: "https://feed.example/1", PostedAt: t0.Add(24 * time.Hour)}
		elsewhere := news.PostedCVE{GuildID: "g2", ChannelID: "c9", MessageID: "m9", CVE: "CVE-2026-1234",
			Title: "Other server", PostedAt: t0}
		undated := news.PostedCVE{GuildID: "g1", ChannelID: "c1", MessageID: "m3", CVE: "CVE-2026-1234", Title: "Now"}
		if err := s.RecordPostedCVEs(ctx, []news.PostedCVE{summary, digest, other, elsewhere, undated}); err != nil {
			t.Fatal(err)
		}
		// Recording again (a retried digest part, say) changes nothing.
		again := digest
		again.Title, again.PostedAt = "changed", t0.Add(48*time.Hour)
		if err := s.RecordPostedCVEs(ctx, []news.PostedCVE{again, summary}); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordPostedCVEs(ctx, nil); err != nil {
			t.Errorf("RecordPostedCVEs(nil) = %v", err)
		}

		want := func(ps ...news.PostedCVE) []news.PostedCVE {
			for i := range ps {
				ps[i].CVE = "CVE-2026-1234"
			}
			return ps
		}
		undated.PostedAt = clock.t
		for _, tc := range []struct {
			name  string
			guild string
			cve   string
			limit int
			want  []news.PostedCVE
		}{
			{"newest first", "g1", "CVE-2026-1234", 0, want(undated, digest, summary)},
			{"any case", "g1", " cve-2026-1234 ", 0, want(undated, digest, summary)},
			{"limited", "g1", "CVE-2026-1234", 2, want(undated, digest)},
			{"other server", "g2", "CVE-2026-1234", 10, want(elsewhere)},
			{"unknown", "g1", "CVE-2020-0001", 10, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.PostedCVEs(ctx, tc.guild, tc.cve, tc.limit)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("PostedCVEs = %+v\nwant %+v", got, tc.want)
				}
			})
		}
		got, err := s.PostedCVEs(ctx, "g1", "CVE-2026-9999", 0)
		if err != nil || len(got) != 1 || got[0].MessageID != "m2" {
			t.Errorf("PostedCVEs(9999) = %+v, %v", got, err)
		}

		bad := []news.PostedCVE{summary, {GuildID: "g1", ChannelID: "c1", CVE: "CVE-2026-5555"}}
		if err := s.RecordPostedCVEs(ctx, bad); err == nil {
			t.Error("an entry without a message id was recorded")
		}
		if got, _ := s.PostedCVEs(ctx, "g1", "CVE-2026-5555", 0); len(got) != 0 {
			t.Errorf("a refused batch left %+v", got)
		}
	})
}
