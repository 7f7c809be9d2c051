// Package defaults holds, once, the default of each configuration key that
// a package also applies to a zero option: config.Default and the packages
// (summarizer, article, feeds, digest) both take these values, so the
// documented configuration and a package used without it cannot disagree.
// It imports nothing, so every package, and every package's tests, may
// import it.
package defaults

import "time"

// llm.*: the summarizer.
const (
	LLMModel           = "gpt-4o-mini"
	LLMLanguage        = "English"
	LLMConcurrency     = 4
	LLMTimeout         = 60 * time.Second
	LLMMaxRetries      = 3
	LLMMaxInputTokens  = 6000
	LLMMaxOutputTokens = 1200
	LLMMaxChunks       = 8
)

// storage.*: the store.
const (
	// StorageLease: how long a job one process claimed stays its own.
	StorageLease = 2 * time.Minute
)

// fetch.*: the article fetcher and, for the body cap, the feed poller.
const (
	FetchTimeout      = 20 * time.Second
	FetchIdleTimeout  = 10 * time.Second
	FetchMaxBytes     = 5 << 20
	FetchMaxRedirects = 5
	FetchUserAgent    = "secbrief/1 (+https://github.com/secbrief/secbrief)"
)

// feeds.*: the feed poller.
const (
	FeedPollInterval = 15 * time.Minute
	// FeedMaxFailures: with the backoff doubling from the poll interval,
	// five failures in a row take hours, so a brief outage does not
	// disable a feed.
	FeedMaxFailures = 5
)

// digest.*: the digest runner and scheduler.
const (
	DigestLookback = 24 * time.Hour
	DigestMaxItems = 15
	// DigestMaxCandidates: the most unseen items one digest considers.
	DigestMaxCandidates = 2000
	DigestGrace         = 6 * time.Hour
)

// intel.*: vulnerability intelligence (package intel).
const (
	// IntelKEVURL is CISA's Known Exploited Vulnerabilities catalog (JSON).
	IntelKEVURL = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
	// IntelEPSSURL is the current day's EPSS scores (gzip CSV).
	IntelEPSSURL = "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz"
	// IntelCVEURL is the CVE Services API's record of one CVE ({id}).
	IntelCVEURL = "https://cveawg.mitre.org/api/cve/{id}"
	// IntelNVDURL is the NVD CVE API 2.0 for one CVE ({id}).
	IntelNVDURL     = "https://services.nvd.nist.gov/rest/json/cves/2.0?cveId={id}"
	IntelKEVRefresh = time.Hour
	// IntelEPSSRefresh: EPSS publishes one file a day.
	IntelEPSSRefresh = 24 * time.Hour
	IntelCVSSTTL     = 7 * 24 * time.Hour
)

// Watchlists (issue 15).
const (
	// WatchMaxAlertsPerHour is how many watch alerts a channel gets on
	// their own in an hour; later ones are batched into one message an hour.
	WatchMaxAlertsPerHour = 10
	// WatchMaxTermsPerGuild is how many watches one server may have.
	WatchMaxTermsPerGuild = 100
)
