package commands

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/internal/fakellm"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/render"
)

// fakeIntel answers Lookup from a map, or fails with err, and records the
// ids asked; Status returns status.
type fakeIntel struct {
	mu     sync.Mutex
	known  map[string]news.CVEIntel
	err    error
	asked  [][]string
	status []news.SourceStatus
}

func (f *fakeIntel) Status(context.Context) ([]news.SourceStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.status), nil
}

func (f *fakeIntel) Lookup(_ context.Context, ids ...string) (map[string]news.CVEIntel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, slices.Clone(ids))
	if f.err != nil {
		return nil, f.err
	}
	out := map[string]news.CVEIntel{}
	for _, id := range ids {
		if in, ok := f.known[id]; ok {
			out[id] = in
		}
	}
	return out, nil
}

var _ Intel = (*fakeIntel)(nil)

// advisoryIntel knows the advisory's CVE as exploited by ransomware gangs.
func advisoryIntel() *fakeIntel {
	return &fakeIntel{known: map[string]news.CVEIntel{"CVE-2026-12345": {ID: "CVE-2026-12345",
		KEV:  &news.KEVEntry{DateAdded: time.Date(2026, 2, 27, 0, 0, 0, 0, time.UTC), DueDate: time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC), Ransomware: true},
		EPSS: &news.EPSSScore{Probability: 0.94, Percentile: 0.998},
		CVSS: &news.CVSSScore{Version: news.CVSSv31, Score: 9.8, Severity: "CRITICAL"}}}}
}

// summaryNaming makes the fake LLM summarize every article as a medium
// story naming the advisory's CVE (which the article text has, so the
// summarizer keeps it).
func summaryNaming(e *env) {
	e.llm.SetResponder(func(r fakellm.Request) fakellm.Response {
		return fakellm.Reply(fakellm.SummaryJSON("Fake summary", "medium", "cve-2026-12345"))
	})
}

// TestSummarizeShowsIntel: /summarize, fetched and summarized or answered
// from the cache, and pasted text, shows the CVE's badge and the severity
// raised to critical with the reason; a failing or missing intel source
// shows the summary without them.
func TestSummarizeShowsIntel(t *testing.T) {
	badge := "[CVE-2026-12345](https://nvd.nist.gov/vuln/detail/CVE-2026-12345) · CVSS 9.8 critical · KEV since 2026-02-27 (due 2026-03-20, ransomware) · EPSS 94% (top 0.2%)"
	raised := "🔴 Critical\nRaised from Medium: CVE-2026-12345 is known exploited in ransomware campaigns (CISA KEV)"
	pasted := bot.Request{Name: cmdSummarize, CustomID: modalSummarizeText, UserID: "user-1", GuildID: "guild-1",
		Fields: map[string]string{fieldArticleText: "Acme Gateway flaw\n" + strings.Repeat(advisoryText+" ", 5)}}
	link := inGuild(cmdSummarize, map[string]any{"url": advisoryLink})
	tests := []struct {
		name       string
		intel      *fakeIntel
		req        bot.Request
		wantBadges bool
	}{
		{"link", advisoryIntel(), link, true},
		{"pasted text", advisoryIntel(), pasted, true},
		{"intel fails", &fakeIntel{err: errors.New("store down")}, link, false},
		{"intel knows nothing", &fakeIntel{}, link, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Options{Intel: tt.intel})
			summaryNaming(e)
			r := run(t.Context(), e.t.summarize, tt.req)
			checkResult(t, e, r, true, "Fake summary", false, "")
			emb := r.resp.Embeds[0]
			if err := render.CheckEmbedLimits(emb); err != nil {
				t.Error(err)
			}
			if err := render.CheckEmbedSafe(emb); err != nil {
				t.Error(err)
			}
			cves, sev := field(emb.Fields, "CVEs"), field(emb.Fields, "Severity")
			if tt.wantBadges {
				if cves != badge || sev != raised || emb.Color != render.ColorCritical {
					t.Errorf("CVEs %q\nseverity %q\ncolour %#x\nwant %q, %q, critical", cves, sev, emb.Color, badge, raised)
				}
			} else if cves != "[CVE-2026-12345](https://nvd.nist.gov/vuln/detail/CVE-2026-12345)" || sev != "🟡 Medium" {
				t.Errorf("without intel: CVEs %q severity %q", cves, sev)
			}
			if len(tt.intel.asked) != 1 || !slices.Equal(tt.intel.asked[0], []string{"CVE-2026-12345"}) {
				t.Errorf("lookups %q, want one of CVE-2026-12345", tt.intel.asked)
			}
		})
	}

	t.Run("cached link after a restart", func(t *testing.T) {
		e := newEnv(t, Options{})
		summaryNaming(e)
		checkResult(t, e, run(t.Context(), e.t.summarize, link), true, "Fake summary", false, "")
		restarted := New(e.sum, e.fetch, e.st, Options{Intel: advisoryIntel(), Now: e.t.opts.Now}, e.t.log)
		r := run(t.Context(), restarted.summarize, link)
		checkResult(t, e, r, false, "Fake summary", false, "")
		if got := field(r.resp.Embeds[0].Fields, "CVEs"); got != badge {
			t.Errorf("cached answer's CVEs %q, want %q", got, badge)
		}
	})
}

// TestSummarizeWithIntelRendersAgainWithinTheHour: with an intel source, a
// summary kept in memory is rendered again after intelHotTTL, so a CVE
// added to KEV since shows.
func TestSummarizeWithIntelRendersAgainWithinTheHour(t *testing.T) {
	now := testNow
	intel := &fakeIntel{}
	e := newEnv(t, Options{Intel: intel, Now: func() time.Time { return now }})
	summaryNaming(e)
	link := inGuild(cmdSummarize, map[string]any{"url": advisoryLink})
	checkResult(t, e, run(t.Context(), e.t.summarize, link), true, "Fake summary", false, "")
	intel.mu.Lock()
	intel.known = advisoryIntel().known
	intel.mu.Unlock()
	now = now.Add(intelHotTTL - time.Minute)
	r := run(t.Context(), e.t.summarize, link)
	if strings.Contains(field(r.resp.Embeds[0].Fields, "CVEs"), "KEV") {
		t.Error("answered from memory, yet rendered again")
	}
	now = now.Add(2 * time.Minute)
	r = run(t.Context(), e.t.summarize, link)
	if !strings.Contains(field(r.resp.Embeds[0].Fields, "CVEs"), "KEV since 2026-02-27") {
		t.Errorf("an hour on, the KEV entry does not show: %q", field(r.resp.Embeds[0].Fields, "CVEs"))
	}
	if e.llm.Calls() != 1 {
		t.Errorf("%d LLM calls, want 1", e.llm.Calls())
	}
}

// field is the value of the field called name, or "".
func field(fields []*discordgo.MessageEmbedField, name string) string {
	for _, f := range fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}
