package news

import (
	"cmp"
	"math"
	"strings"
)

// CriticalCVSS is the CVSS base score from which a CVE rates critical
// (CVSS v3 and v4 both put 9.0–10.0 there). A summary naming such a CVE is
// raised to critical.
const CriticalCVSS = 9.0

// Exploited reports whether the CVE is in CISA's Known Exploited
// Vulnerabilities catalog.
func (c CVEIntel) Exploited() bool { return c.KEV != nil }

// Ransomware reports whether the CVE is in KEV with known use in
// ransomware campaigns.
func (c CVEIntel) Ransomware() bool { return c.KEV != nil && c.KEV.Ransomware }

// BaseScore is the CVE's CVSS base score, and false when there is none or
// it is not a number from 0 to 10.
func (c CVEIntel) BaseScore() (float64, bool) {
	if c.CVSS == nil || !(c.CVSS.Score >= 0 && c.CVSS.Score <= 10) { // NaN too
		return 0, false
	}
	return c.CVSS.Score, true
}

// Probability is the CVE's EPSS probability, and false when there is none
// or it is not a number from 0 to 1.
func (c CVEIntel) Probability() (float64, bool) {
	if c.EPSS == nil || !(c.EPSS.Probability >= 0 && c.EPSS.Probability <= 1) {
		return 0, false
	}
	return c.EPSS.Probability, true
}

// RaisesSeverity reports whether the CVE makes a summary naming it
// critical: it is known exploited (KEV) or its CVSS base score is at least
// CriticalCVSS.
func (c CVEIntel) RaisesSeverity() bool {
	score, ok := c.BaseScore()
	return c.Exploited() || (ok && score >= CriticalCVSS)
}

// CompareCVEIntel orders CVEs most severe first, the order their badges
// are listed in: negative when a is more severe than b. Known exploitation
// in ransomware campaigns comes first, then any known exploitation (KEV),
// then the higher CVSS base score, then the higher EPSS probability; a
// part that is unknown ranks below every known value. Equal intel
// compares 0, so a stable sort keeps the ids' own order.
func CompareCVEIntel(a, b CVEIntel) int {
	if c := cmp.Compare(rankBool(a.Ransomware()), rankBool(b.Ransomware())); c != 0 {
		return c
	}
	if c := cmp.Compare(rankBool(a.Exploited()), rankBool(b.Exploited())); c != 0 {
		return c
	}
	if c := cmp.Compare(known(b.BaseScore()), known(a.BaseScore())); c != 0 {
		return c
	}
	return cmp.Compare(known(b.Probability()), known(a.Probability()))
}

// rankBool is 0 for true, 1 for false: true sorts first.
func rankBool(b bool) int {
	if b {
		return 0
	}
	return 1
}

// known is v, or -Inf when it is unknown, so that any known value sorts
// above it.
func known(v float64, ok bool) float64 {
	if !ok {
		return math.Inf(-1)
	}
	return v
}

// SeverityRaise says why a severity was raised to critical.
type SeverityRaise struct {
	// From is the severity before the raise, as the summary rated it (it
	// may be empty or unknown).
	From Severity
	// Cause is the CVE that raised it: known exploited, or with a CVSS base
	// score of at least CriticalCVSS. Of several, the most severe
	// (CompareCVEIntel).
	Cause CVEIntel
}

// RaiseSeverity is sev raised to critical when one of ids (CVE ids, any
// case) is known exploited (KEV) or has a CVSS base score of at least
// CriticalCVSS, according to intel (keyed by upper-case CVE id), with
// what raised it; the raise is nil when sev stays as it is (already
// critical, or no such CVE). A nil intel raises nothing.
func RaiseSeverity(sev Severity, ids []string, intel map[string]CVEIntel) (Severity, *SeverityRaise) {
	if sev == SeverityCritical || len(intel) == 0 {
		return sev, nil
	}
	var cause *CVEIntel
	for _, id := range ids {
		key := strings.ToUpper(strings.TrimSpace(id))
		in, ok := intel[key]
		if ok && in.RaisesSeverity() && (cause == nil || CompareCVEIntel(in, *cause) < 0) {
			if in.ID == "" {
				in.ID = key
			}
			cause = &in
		}
	}
	if cause == nil {
		return sev, nil
	}
	return SeverityCritical, &SeverityRaise{From: sev, Cause: *cause}
}

// EffectiveSeverity is the summary's severity raised by what intel knows of
// the CVEs it names (RaiseSeverity).
func (s Summary) EffectiveSeverity(intel map[string]CVEIntel) (Severity, *SeverityRaise) {
	return RaiseSeverity(s.Severity, s.CVEs, intel)
}

// EffectiveSeverity is the severity of the story's summary raised by the
// story's Intel (Summary.EffectiveSeverity); "" without a summary.
func (s Story) EffectiveSeverity() (Severity, *SeverityRaise) {
	if s.Summary == nil {
		return "", nil
	}
	return s.Summary.EffectiveSeverity(s.Intel)
}
