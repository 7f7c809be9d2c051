package news

import (
	"strings"
	"time"
)

// Vulnerability intelligence: what secbrief knows about one CVE from CISA's
// Known Exploited Vulnerabilities catalog, FIRST's EPSS and the CVE record
// (or NVD), kept in the store by package intel and read from there only.

// CVEIntel is what is known about one CVE. Each part is nil when its
// source has nothing on the CVE (or has not been loaded yet).
type CVEIntel struct {
	ID   string
	KEV  *KEVEntry
	EPSS *EPSSScore
	// CVSS is the base score from the CVE record or NVD.
	CVSS *CVSSScore
	// Record is the CVE record's title, description and advisory link;
	// nil until the record was looked up.
	Record *CVERecord
}

// Known reports whether any source has something on the CVE.
func (c CVEIntel) Known() bool {
	return c.KEV != nil || c.EPSS != nil || c.CVSS != nil || (c.Record != nil && c.Record.Found)
}

// KEVEntry is one vulnerability of CISA's Known Exploited Vulnerabilities
// catalog.
type KEVEntry struct {
	CVEID             string
	VendorProject     string
	Product           string
	VulnerabilityName string
	// DateAdded is when CISA added it to the catalog; DueDate is the
	// remediation deadline CISA set for federal agencies (both at 00:00
	// UTC; DueDate may be zero).
	DateAdded time.Time
	DueDate   time.Time
	// Ransomware is true when knownRansomwareCampaignUse is "Known".
	Ransomware       bool
	ShortDescription string
	RequiredAction   string
	Notes            string
	// FirstSeenAt is when secbrief first found the entry in the catalog.
	FirstSeenAt time.Time
	// Baseline is true for the entries of the first catalog ever loaded:
	// they were already there, so they are not news (no KEV alert).
	Baseline bool
}

// KEVCatalog is one download of the KEV catalog.
type KEVCatalog struct {
	// Version is the catalog's catalogVersion, e.g. "2025.08.25".
	Version string
	// Released is the catalog's dateReleased.
	Released time.Time
	Entries  []KEVEntry
}

// KEVProduct is a vendor and product named in the KEV catalog.
type KEVProduct struct {
	Vendor  string
	Product string
}

// EPSSScore is FIRST's Exploit Prediction Scoring System score of one CVE:
// the probability (0 to 1) of exploitation activity in the next 30 days,
// and its percentile among all scored CVEs (0 to 1; 0.998 is the top 0.2%).
type EPSSScore struct {
	CVEID       string
	Probability float64
	Percentile  float64
	// ScoreDate and ModelVersion are those of the day's file.
	ScoreDate    time.Time
	ModelVersion string
}

// EPSSSet is one day's EPSS file.
type EPSSSet struct {
	ModelVersion string
	ScoreDate    time.Time
	Scores       []EPSSScore // ScoreDate and ModelVersion of each are left zero
}

// CVSS versions, in CVSSScore.Version.
const (
	CVSSv31 = "3.1"
	CVSSv40 = "4.0"
	CVSSv30 = "3.0"
)

// Where a CVE record or score came from (CVERecord.Source, CVSSScore.Source).
const (
	// SourceCNA is the CNA container of the CVE JSON 5 record.
	SourceCNA = "cna"
	// SourceCISAADP is the "CISA ADP Vulnrichment" container of the record.
	SourceCISAADP = "cisa-adp"
	// SourceNVD is the NVD CVE API 2.0.
	SourceNVD = "nvd"
)

// CVSSScore is a CVSS base score of one CVE.
type CVSSScore struct {
	// Version is CVSSv31, CVSSv40 or CVSSv30.
	Version string
	// Score is the base score, 0.0 to 10.0.
	Score float64
	// Severity is the base severity in lower case: critical, high, medium,
	// low or none.
	Severity string
	// Vector is the vector string, e.g. "CVSS:3.1/AV:N/AC:L/...".
	Vector string
	// Source is SourceCNA, SourceCISAADP or SourceNVD.
	Source string
}

// CVERecord is what secbrief keeps of a CVE record besides its score.
type CVERecord struct {
	ID string
	// Found is false when the CVE services (and NVD) had no record: the
	// miss is cached like a record, so it is not asked again at once.
	Found       bool
	Title       string
	Description string
	// AdvisoryURL is a reference tagged vendor-advisory, if any.
	AdvisoryURL string
	// Source is where the record came from: SourceCNA (the CVE JSON 5
	// record) or SourceNVD.
	Source    string
	FetchedAt time.Time
	// CVSS is the score chosen from the record; nil when it has none.
	CVSS *CVSSScore
}

// Intel sources, in SourceStatus.Source.
const (
	IntelKEV  = "kev"
	IntelEPSS = "epss"
	// IntelCVE is the CVE Services API (CVE JSON 5 records).
	IntelCVE = "cve"
	// IntelNVD is the NVD CVE API 2.0, the fallback for CVSS.
	IntelNVD = "nvd"
)

// Kinds of refresh failure, in SourceStatus.ErrorKind: what went wrong,
// without addresses or other details that only belong in logs.
const (
	IntelErrNetwork  = "network"   // connection, timeout, TLS, refused address
	IntelErrHTTP     = "http"      // an HTTP status other than 200 and 304
	IntelErrTooLarge = "too_large" // the body exceeded its size limit
	IntelErrFormat   = "format"    // the body could not be parsed
	IntelErrStore    = "store"     // the data could not be stored
)

// SourceStatus is the state of one intel source, for saying how fresh the
// data shown is ("KEV data from 2025-08-25, 3 h old") and whether the last
// refresh failed. Sources keep serving what they stored while failing.
type SourceStatus struct {
	Source string
	// CheckedAt is the last refresh attempt, RefreshedAt the last success
	// (new data or 304 Not Modified); zero when never.
	CheckedAt   time.Time
	RefreshedAt time.Time
	// DataDate is the data's own date (KEV dateReleased, EPSS score date),
	// Version its version (KEV catalogVersion, EPSS model version) and
	// Entries the rows stored; zero for the per-CVE sources.
	DataDate time.Time
	Version  string
	Entries  int
	// ETag and LastModified are the validators of the last download.
	ETag         string
	LastModified string
	// ErrorKind is one of the IntelErr kinds when the last attempt failed,
	// empty when it succeeded; ErrorAt is when.
	ErrorKind string
	ErrorAt   time.Time
}

// Failing reports whether the last refresh attempt failed.
func (s SourceStatus) Failing() bool { return s.ErrorKind != "" }

// Age is how old the stored data is at now, counted from the last
// successful refresh; zero when never refreshed.
func (s SourceStatus) Age(now time.Time) time.Duration {
	if s.RefreshedAt.IsZero() {
		return 0
	}
	return now.Sub(s.RefreshedAt)
}

// NVDAttribution is the notice NVD asks services using its API to show;
// /cve shows it when a score or record came from NVD.
const NVDAttribution = "This product uses the NVD API but is not endorsed or certified by the NVD."

// CVSSRating is the qualitative severity rating CVSS v3 and v4 give a base
// score: critical from 9.0, high from 7.0, medium from 4.0, low above 0,
// else none.
func CVSSRating(score float64) string {
	if !(score > 0) {
		return "none"
	}
	return string(CVSSSeverity(score))
}

// CVSSSeverity is CVSSRating as a Severity: critical from 9.0, high from
// 7.0, medium from 4.0, else low (Severity has no none: a score of 0, or
// none at all, is low too).
func CVSSSeverity(score float64) Severity {
	switch {
	case score >= 9:
		return SeverityCritical
	case score >= 7:
		return SeverityHigh
	case score >= 4:
		return SeverityMedium
	default:
		return SeverityLow
	}
}

// CVSSSeverityOf is the qualitative rating of a CVSS base score: the
// source's stated one, lower case, when it is one of CVSS's five words,
// else CVSSRating(score).
func CVSSSeverityOf(stated string, score float64) string {
	switch s := strings.ToLower(strings.TrimSpace(stated)); s {
	case "critical", "high", "medium", "low", "none":
		return s
	}
	return CVSSRating(score)
}
