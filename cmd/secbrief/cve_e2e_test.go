package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/secbrief/secbrief/internal/fakediscord"
)

// TestCVELookupListsThePostedSummary: a public /summarize naming a CVE is
// recorded under it once posted, and /cve of that CVE links its message,
// publicly, pinging no one.
func TestCVELookupListsThePostedSummary(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.start()
	st := h.settled(h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", h.site.URL+"/advisory"))))
	if st.Original == nil {
		t.Fatal("no summary")
	}
	h.wait("summary recorded under its CVE", func() bool {
		ps, err := h.app.store.PostedCVEs(context.Background(), st.GuildID, "CVE-2026-12345", 0)
		return err == nil && len(ps) == 1 && ps[0].MessageID == st.Original.ID
	})

	c := h.settled(h.dispatch(fakediscord.SlashCommand("cve", fakediscord.StringOption("id", " cve-2026-12345 "))))
	if c.Original == nil || len(c.Original.Embeds) != 1 || c.Original.Ephemeral() {
		t.Fatalf("/cve answered %+v, want one public embed", c.Original)
	}
	body, _ := json.Marshal(c.Original.Embeds[0])
	link := "https://discord.com/channels/" + st.GuildID + "/" + st.ChannelID + "/" + st.Original.ID
	for _, want := range []string{"CVE-2026-12345", "Posted here", link, "https://nvd.nist.gov/vuln/detail/CVE-2026-12345"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/cve embed lacks %q: %s", want, body)
		}
	}
	bad := h.settled(h.dispatch(fakediscord.SlashCommand("cve", fakediscord.StringOption("id", "CVE-26-1"))))
	if bad.Original == nil || !bad.Original.Ephemeral() || !strings.Contains(bad.Original.Content, "isn't a CVE id") {
		t.Errorf("bad id answered %+v, want a short private refusal", bad.Original)
	}
	h.checkNoPings()
}
