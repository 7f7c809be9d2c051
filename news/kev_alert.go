package news

import "time"

// KEVAlertChannel is a channel's KEV alert setting (/digest alerts): when
// enabled, the channel is told each CVE CISA adds to its Known Exploited
// Vulnerabilities catalog.
type KEVAlertChannel struct {
	GuildID, ChannelID string
	Enabled            bool
	// Since is the FirstSeenAt up to which every catalog addition was
	// handled for the channel: when alerts were turned on, then moved
	// forward as alerts are sent. Additions seen earlier are not alerted.
	Since     time.Time
	UpdatedAt time.Time
	// CreatedBy is the user who last changed the setting.
	CreatedBy string
}

// KEVAlertClaim is a CVE's alert claimed for one channel: this process
// posts it. Attempts counts this one.
type KEVAlertClaim struct {
	CVE      string
	Attempts int
}

// KEVAlert is one catalog addition to tell a channel about: the entry,
// what else is known of the CVE, and the stories the channel's server was
// sent that name it (newest first), those of other channels without title
// and article link (PostedIn).
type KEVAlert struct {
	Entry   KEVEntry
	Intel   CVEIntel
	Stories []PostedCVE
}

// KEVAlertPost is one message posted for KEV alerts: the CVEs it tells.
type KEVAlertPost struct {
	CVEs      []string
	MessageID string
}
