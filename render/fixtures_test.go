package render

import (
	"fmt"
	"strings"
	"time"

	"github.com/secbrief/secbrief/news"
)

// sampleArticle is the text the sample summary was made from.
const sampleArticle = `Acme Corp patched a critical remote code execution flaw in its VPN gateway.
The vendor advisory is at https://acme.example/advisories/2025-001 and lists the fixed builds.
Researchers tracked the flaw as CVE-2025-12345, with a second bug, CVE-2025-12346.`

// sampleSummary is a realistic, well-behaved summary.
func sampleSummary() news.Summary {
	return news.Summary{
		Title:    "Acme VPN gateway flaw exploited in the wild",
		TLDR:     "Acme fixed a critical pre-auth RCE in its VPN gateway that attackers already exploit. Patch now; the advisory is at https://acme.example/advisories/2025-001.",
		Severity: news.SeverityCritical,
		KeyPoints: []string{
			"Unauthenticated attackers can run code as root.",
			"Exploitation seen since early January.",
			"Fixed in builds 9.1.4 and later.",
		},
		CVEs:          []string{"CVE-2025-12345", "cve-2025-12346", "not-a-cve"},
		Affected:      []string{"Acme VPN Gateway 9.0–9.1.3", "Acme Cloud Edge (managed)"},
		Actions:       []string{"Upgrade to 9.1.4.", "Rotate credentials stored on the appliance."},
		SourceURL:     "https://news.example/acme-vpn-flaw",
		Site:          "Example News",
		Published:     time.Date(2025, 1, 14, 9, 30, 0, 0, time.UTC),
		Model:         "gpt-4o-mini",
		PromptVersion: "summary-v1",
	}
}

// hostileSummary has every trick an article or a model could play.
func hostileSummary() news.Summary {
	evil := "@everyone @here <@123456789012345678> <@!123456789012345678> <@&987654321098765432> <#112233445566778899> " +
		"[click here](https://evil.example/steal) [https://acme.example](https://evil.example/x) https://evil.example/bare " +
		"\u202eevil\u202c \u200b@\u200beveryone @\u2060here \x1b[31mred "
	points := make([]string, 100)
	for i := range points {
		points[i] = fmt.Sprintf("point %d %s", i, evil)
	}
	return news.Summary{
		Title:     strings.Repeat("@everyone [t](https://evil.example) ", 30),
		TLDR:      strings.Repeat(evil, 50)[:5000],
		KeyPoints: points,
		Severity:  news.SeverityHigh,
		CVEs:      []string{"CVE-2025-1234", "[CVE-2025-1](https://evil.example)", "CVE-2025-99999999999999999999999"},
		Affected:  points,
		Actions:   points,
		SourceURL: "https://news.example/a",
		Site:      "@everyone <@&1> news",
		Published: time.Date(2025, 1, 14, 0, 0, 0, 0, time.UTC),
		Model:     "<@123> model",
	}
}

// sampleDigest has a summarized story covered by two outlets, a story
// without a summary and a low one.
func sampleDigest() news.Digest {
	at := time.Date(2025, 1, 15, 8, 0, 0, 0, time.UTC)
	s := sampleSummary()
	low := news.Summary{Title: "Minor info leak in Widget", TLDR: "A low-impact info leak in Widget 2.", Severity: news.SeverityLow}
	return news.Digest{
		GuildID: "1", ChannelID: "2", At: at, More: 3,
		Stories: []news.Story{
			{
				Lead: news.Item{ID: "a", FeedURL: "https://news.example/feed", FeedTitle: "Example News", Title: "Acme VPN flaw exploited",
					Link: "https://news.example/acme-vpn-flaw", Content: sampleArticle, Published: at.Add(-3 * time.Hour)},
				Others: []news.Item{
					{ID: "b", FeedURL: "https://other.example/rss", FeedTitle: "Other Outlet", Title: "Acme patches VPN bug",
						Link: "https://other.example/2025/01/acme", Published: at.Add(-2 * time.Hour)},
					{ID: "c", FeedURL: "https://third.example/rss", Title: "CVE-2025-12345 under attack",
						Link: "https://third.example/cve-2025-12345", Published: at.Add(-time.Hour)},
				},
				CVEs:    []string{"CVE-2025-12345"},
				Summary: &s,
			},
			{
				Lead: news.Item{ID: "d", FeedURL: "https://blog.example/atom", FeedTitle: "Vendor Blog", Title: "Routers ship with default passwords",
					Link: "https://blog.example/routers", Content: "Thousands of routers still ship with default passwords. Scans found 40,000 exposed devices. The vendor did not comment. More text follows here that is long enough to be cut off at the sentence limit of the digest, and then some more words to make sure of it, because the first sentences are all a digest shows of a story that has no summary yet.",
					Published: at.Add(-5 * time.Hour)},
			},
			{
				Lead: news.Item{ID: "e", FeedURL: "https://news.example/feed", FeedTitle: "Example News", Title: "Widget info leak",
					Link: "https://news.example/widget", Content: "Widget 2 leaks info.", Published: at.Add(-6 * time.Hour)},
				Summary: &low,
			},
		},
	}
}
