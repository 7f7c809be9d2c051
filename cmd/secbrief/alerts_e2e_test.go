package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakediscord"
	"github.com/secbrief/secbrief/news"
)

const kevFixture = "../../../shared/corpus/intel/known_exploited_vulnerabilities.json"

// kevWithAddition is the catalog of fixture with one more entry, id.
func kevWithAddition(t *testing.T, fixture []byte, id string) []byte {
	t.Helper()
	var cat map[string]any
	if err := json.Unmarshal(fixture, &cat); err != nil {
		t.Fatal(err)
	}
	vulns := cat["vulnerabilities"].([]any)
	cat["vulnerabilities"] = append([]any{map[string]any{
		"cveID": id, "vendorProject": "Acme", "product": "Gateway",
		"vulnerabilityName": "Acme Gateway Authentication Bypass Vulnerability @everyone",
		"dateAdded":         "2026-12-04", "dueDate": "2026-12-25", "knownRansomwareCampaignUse": "Known",
		"shortDescription": "Acme Gateway lets attackers in.", "requiredAction": "Apply the update.", "notes": "",
	}}, vulns...)
	cat["count"] = len(vulns) + 1
	cat["catalogVersion"] = "2026.12.04"
	out, err := json.Marshal(cat)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestKEVAlertsEndToEnd: /digest alerts turns alerts on; the first
// catalog loaded alerts nothing; a later catalog with one more entry makes
// one alert message in the channel, naming the story the server got, with
// no pings; it survives a restart and is not sent twice.
func TestKEVAlertsEndToEnd(t *testing.T) {
	t.Parallel()
	fixture, err := os.ReadFile(kevFixture)
	if err != nil {
		t.Skipf("no KEV fixture: %v", err)
	}
	const added = "CVE-2026-12345"
	h := newHarness(t)
	h.site.serve("/kev.json", "application/json", string(fixture))
	h.cfg.Intel.Enabled = true
	h.cfg.Intel.KEVURL = h.site.URL + "/kev.json"
	h.cfg.Intel.EPSSURL = h.site.URL + "/epss.csv.gz" // 404: EPSS down, alerts unaffected
	h.cfg.Intel.CVEURL = h.site.URL + "/cve/{id}"
	h.cfg.Intel.NVDURL = h.site.URL + "/nvd/{id}"
	h.start()
	ctx := context.Background()
	channel := h.dc.ChannelID()

	h.wait("the baseline catalog", func() bool {
		st, err := h.app.store.IntelSource(ctx, news.IntelKEV)
		return err == nil && st.Entries > 1000
	})
	got := finalText(h.settled(h.dispatch(digestCmd("alerts", fakediscord.ChannelOption("channel", channel),
		fakediscord.BoolOption("enabled", true)))))
	if !got.ephemeral || !strings.Contains(got.text, "KEV alerts on in <#"+channel+">") {
		t.Fatalf("/digest alerts: %+v", got)
	}
	got = finalText(h.settled(h.dispatch(digestCmd("status"))))
	if !strings.Contains(got.text, "**KEV alerts** in <#"+channel+">") {
		t.Errorf("/digest status: %q", got.text)
	}
	if err := h.app.store.RecordPostedCVEs(ctx, []news.PostedCVE{{GuildID: h.dc.GuildID(), ChannelID: channel,
		MessageID: "1", CVE: added, Title: "Critical flaw in Acme Gateway exploited", URL: h.site.URL + "/advisory",
		PostedAt: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}}); err != nil {
		t.Fatal(err)
	}
	before := len(h.dc.Messages(channel))

	// CISA adds one: the next refresh stores it, the job (which looks at
	// start, then every minute) posts it: a restart makes it look now.
	h.site.serve("/kev.json", "application/json", string(kevWithAddition(t, fixture, added)))
	if err := h.app.intel.RefreshKEV(ctx); err != nil {
		t.Fatal(err)
	}
	h.stop()
	h.start()
	alerts := func() []fakediscord.Message {
		var out []fakediscord.Message
		for _, m := range h.dc.Messages(channel)[before:] {
			if strings.Contains(m.Content, "Known Exploited Vulnerabilities catalog") {
				out = append(out, m)
			}
		}
		return out
	}
	h.wait("the alert", func() bool { return len(alerts()) > 0 })
	sent := alerts()
	if len(sent) != 1 || len(h.dc.Messages(channel)) != before+1 {
		t.Fatalf("%d alerts, %d messages after the notice; want one", len(sent), len(h.dc.Messages(channel))-before)
	}
	m := sent[0]
	for _, want := range []string{
		"🚨 CISA added " + added + " to the Known Exploited Vulnerabilities catalog: Acme Gateway Authentication Bypass Vulnerability",
		"(Acme Gateway), due 2026-12-25, ransomware",
		added + " · KEV since 2026-12-04 (due 2026-12-25, ransomware)",
		"Now known exploited: " + added + ", from the story you got on <t:",
		"Critical flaw in Acme Gateway exploited <" + h.site.URL + "/advisory>",
	} {
		if !strings.Contains(m.Content, want) {
			t.Errorf("alert lacks %q:\n%s", want, m.Content)
		}
	}
	if m.Nonce == "" || m.MentionEveryone {
		t.Errorf("alert nonce %q, mention everyone %v", m.Nonce, m.MentionEveryone)
	}
	h.wait("the alert recorded", func() bool {
		id, _, found, err := h.app.store.KEVAlertSent(ctx, channel, added)
		return err == nil && found && id == m.ID
	})
	h.checkNoPings()

	// Another restart: the job looks again and sends nothing more.
	h.stop()
	h.start()
	h.wait("the channel's place past the addition", func() bool {
		due, err := h.app.store.DueKEVAlertChannels(ctx, 10)
		return err == nil && len(due) == 0
	})
	if n := len(alerts()); n != 1 {
		t.Errorf("%d alerts after a second restart, want 1", n)
	}
}
