package config

import "github.com/secbrief/secbrief/internal/defaults"

// WatchConfig governs watchlists: the terms servers watch (/watch) and the
// alerts new items matching them raise.
type WatchConfig struct {
	// MaxAlertsPerHour is how many alerts one channel gets as messages of
	// their own within an hour; past it, alerts are batched into one
	// message an hour.
	MaxAlertsPerHour int `yaml:"max_alerts_per_hour"`
	// MaxTermsPerGuild is how many watches (a term in a channel) one
	// server may have.
	MaxTermsPerGuild int `yaml:"max_terms_per_guild"`
}

// defaultWatch is the watch section of Default.
func defaultWatch() WatchConfig {
	return WatchConfig{
		MaxAlertsPerHour: defaults.WatchMaxAlertsPerHour,
		MaxTermsPerGuild: defaults.WatchMaxTermsPerGuild,
	}
}

func (c WatchConfig) validate(v *validator) {
	// More than 100 alerts an hour in one channel is a feed, not alerts;
	// more than 10,000 terms in one server is no watchlist.
	v.between("watch.max_alerts_per_hour", int64(c.MaxAlertsPerHour), 1, 100)
	v.between("watch.max_terms_per_guild", int64(c.MaxTermsPerGuild), 1, 10000)
}
