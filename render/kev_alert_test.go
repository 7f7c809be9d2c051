package render

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/news"
)

func kevAlert(id string) news.KEVAlert {
	return news.KEVAlert{Entry: news.KEVEntry{CVEID: id, VendorProject: "Microsoft", Product: "SharePoint",
		VulnerabilityName: "Microsoft SharePoint Deserialization of Untrusted Data Vulnerability",
		DateAdded:         time.Date(2025, 7, 20, 0, 0, 0, 0, time.UTC), DueDate: time.Date(2025, 7, 21, 0, 0, 0, 0, time.UTC),
		Ransomware: true}}
}

func TestKEVAlertMessages(t *testing.T) {
	posted := time.Date(2025, 7, 19, 8, 0, 0, 0, time.UTC)
	withStory := kevAlert("CVE-2025-53770")
	withStory.Intel = news.CVEIntel{ID: "CVE-2025-53770", CVSS: &news.CVSSScore{Version: news.CVSSv31, Score: 9.8, Severity: "critical"}}
	withStory.Stories = []news.PostedCVE{
		{CVE: "CVE-2025-53770", Title: "SharePoint zero-day exploited", URL: "https://news.example/sp", PostedAt: posted},
		{CVE: "CVE-2025-53770", Title: "SharePoint zero-day exploited", URL: "https://news.example/sp", PostedAt: posted.Add(time.Hour)},
		{CVE: "CVE-2025-53770", Title: "Patch now", URL: "https://other.example/p", PostedAt: posted.Add(-time.Hour)},
	}
	elsewhere := kevAlert("CVE-2025-53770")
	elsewhere.Intel = withStory.Intel
	elsewhere.Stories = []news.PostedCVE{
		{GuildID: "g1", ChannelID: "digest", MessageID: "m1", CVE: "CVE-2025-53770", PostedAt: posted},
		{GuildID: "g1", ChannelID: "digest", MessageID: "m1", CVE: "CVE-2025-53770", PostedAt: posted},
		{GuildID: "g1", ChannelID: "digest", MessageID: "m2", CVE: "CVE-2025-53770", PostedAt: posted.Add(-time.Hour)},
	}
	hostile := kevAlert("CVE-2025-0001")
	hostile.Entry.VulnerabilityName = "@everyone look [here](https://evil.example) <@123> " + strings.Repeat("long ", 200)
	hostile.Entry.Ransomware = false
	hostile.Stories = []news.PostedCVE{{Title: "<@&42> pwned\nnew line", URL: "https://evil.example/@everyone", PostedAt: posted}}

	tests := []struct {
		name   string
		alerts []news.KEVAlert
		want   []string
		not    []string
	}{
		{"a story the server got", []news.KEVAlert{withStory}, []string{
			"🚨 CISA added CVE-2025-53770 to the Known Exploited Vulnerabilities catalog: Microsoft SharePoint Deserialization of Untrusted Data Vulnerability (Microsoft SharePoint), due 2025-07-21, ransomware\n" +
				"CVE-2025-53770 · CVSS 9.8 critical · KEV since 2025-07-20 (due 2025-07-21, ransomware)\n" +
				fmt.Sprintf("Now known exploited: CVE-2025-53770, from the story you got on <t:%d:D>: SharePoint zero-day exploited <https://news.example/sp>\n", posted.Unix()) +
				fmt.Sprintf("And the story you got on <t:%d:D>: Patch now <https://other.example/p>", posted.Add(-time.Hour).Unix()),
		}, nil},
		{"stories in another channel", []news.KEVAlert{elsewhere}, []string{
			"🚨 CISA added CVE-2025-53770 to the Known Exploited Vulnerabilities catalog: Microsoft SharePoint Deserialization of Untrusted Data Vulnerability (Microsoft SharePoint), due 2025-07-21, ransomware\n" +
				"CVE-2025-53770 · CVSS 9.8 critical · KEV since 2025-07-20 (due 2025-07-21, ransomware)\n" +
				fmt.Sprintf("Now known exploited: CVE-2025-53770, from a story posted in another channel on <t:%d:D>: https://discord.com/channels/g1/digest/m1\n", posted.Unix()) +
				fmt.Sprintf("And a story posted in another channel on <t:%d:D>: https://discord.com/channels/g1/digest/m2", posted.Add(-time.Hour).Unix()),
		}, nil},
		{"no story", []news.KEVAlert{kevAlert("CVE-2025-1")}, nil, []string{"Now known exploited"}},
		{"hostile catalog text and story", []news.KEVAlert{hostile}, nil,
			[]string{"evil.example", "\nnew line"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := KEVAlertMessages(tt.alerts)
			if len(msgs) != 1 {
				t.Fatalf("%d messages, want 1", len(msgs))
			}
			m := msgs[0]
			if err := CheckSafe(m.Message); err != nil {
				t.Error(err)
			}
			if err := CheckLimits(m.Message); err != nil {
				t.Error(err)
			}
			if len(tt.want) > 0 && m.Message.Content != tt.want[0] {
				t.Errorf("content:\n%s\nwant:\n%s", m.Message.Content, tt.want[0])
			}
			for _, s := range tt.not {
				if strings.Contains(m.Message.Content, s) {
					t.Errorf("content has %q:\n%s", s, m.Message.Content)
				}
			}
			if len(m.CVEs) != 1 || m.CVEs[0] != tt.alerts[0].Entry.CVEID {
				t.Errorf("CVEs = %v", m.CVEs)
			}
		})
	}
}

// TestKEVAlertMessagesBatch: many additions at once share messages, each
// within Discord's limit, every CVE in exactly one, in order.
func TestKEVAlertMessagesBatch(t *testing.T) {
	var alerts []news.KEVAlert
	for i := range 40 {
		a := kevAlert(fmt.Sprintf("CVE-2025-%04d", i+1))
		a.Entry.VulnerabilityName = strings.Repeat("x", 300)
		a.Stories = []news.PostedCVE{{Title: strings.Repeat("t", 300), URL: "https://news.example/" + strings.Repeat("p", 300), PostedAt: time.Unix(1e9, 0)}}
		alerts = append(alerts, a)
	}
	msgs := KEVAlertMessages(alerts)
	if len(msgs) < 2 || len(msgs) >= 40 {
		t.Fatalf("%d messages for 40 alerts: want them batched, within limits", len(msgs))
	}
	var got []string
	for i, m := range msgs {
		if err := CheckLimits(m.Message); err != nil {
			t.Errorf("message %d: %v", i, err)
		}
		if err := CheckSafe(m.Message); err != nil {
			t.Errorf("message %d: %v", i, err)
		}
		for _, id := range m.CVEs {
			if !strings.Contains(m.Message.Content, "CISA added "+id+" ") {
				t.Errorf("message %d lists %s but does not tell it", i, id)
			}
		}
		got = append(got, m.CVEs...)
	}
	for i, a := range alerts {
		if i >= len(got) || got[i] != a.Entry.CVEID {
			t.Fatalf("CVEs of the messages = %v, want each alert once in order", got)
		}
	}
	if len(got) != len(alerts) {
		t.Errorf("%d CVEs told, want %d", len(got), len(alerts))
	}
}
