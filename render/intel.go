package render

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/news"
)

// MaxBadges is how many CVEs a summary or a digest story lists with their
// badges: the most severe ones (news.CompareCVEIntel); the rest are
// counted in an "…and N more" line.
const MaxBadges = 5

// Badge is the compact intel line of CVE id:
//
//	CVE-2025-53770 · CVSS 9.8 critical · KEV since 2025-07-20 (due 2025-07-21, ransomware) · EPSS 94% (top 0.2%)
//
// Parts nothing is known of are left out; with nothing known it is the id
// alone. Only numbers, dates and fixed words render writes go into it,
// never text from the sources.
func Badge(id string, in news.CVEIntel) string {
	return strings.Join(append([]string{id}, badgeParts(in)...), " · ")
}

// badgeParts are the CVSS, KEV and EPSS parts of a badge that are known.
func badgeParts(in news.CVEIntel) []string {
	var parts []string
	if score, ok := in.BaseScore(); ok {
		parts = append(parts, fmt.Sprintf("CVSS %.1f %s", score, news.CVSSSeverityOf(in.CVSS.Severity, score)))
	}
	if k := in.KEV; k != nil {
		part := "KEV"
		if !k.DateAdded.IsZero() {
			part += " since " + k.DateAdded.UTC().Format(time.DateOnly)
		}
		var notes []string
		if !k.DueDate.IsZero() {
			notes = append(notes, "due "+k.DueDate.UTC().Format(time.DateOnly))
		}
		if k.Ransomware {
			notes = append(notes, "ransomware")
		}
		if len(notes) > 0 {
			part += " (" + strings.Join(notes, ", ") + ")"
		}
		parts = append(parts, part)
	}
	if p, ok := in.Probability(); ok {
		part := "EPSS " + percent(p)
		if pc := in.EPSS.Percentile; pc > 0 && pc <= 1 {
			part += " (top " + percent(max(1-pc, 0.0001)) + ")"
		}
		parts = append(parts, part)
	}
	return parts
}

// percent writes the fraction x (0 to 1) as a percentage with as many
// decimals as its size needs: "94%", "2.5%", "0.2%", "0.04%", "<0.01%".
func percent(x float64) string {
	v := x * 100
	var s string
	switch {
	case v >= 10:
		s = strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 0.1:
		s = strconv.FormatFloat(v, 'f', 1, 64)
	case v >= 0.005:
		s = strconv.FormatFloat(v, 'f', 2, 64)
	case v > 0:
		return "<0.01%"
	default:
		return "0%"
	}
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s + "%"
}

// badgeLines are the badges of the well-formed ids among ids (validCVEs),
// most severe first, each id linked to NVD: at most MaxBadges lines, and
// the number of ids left out. ok is false when intel knows nothing of any
// of the ids: the CVEs are then listed as without intel (cveLines).
func badgeLines(intel map[string]news.CVEIntel, ids ...[]string) (lines []string, more int, ok bool) {
	valid := validCVEs(ids...)
	for _, id := range valid {
		if in, found := intel[id]; found && len(badgeParts(in)) > 0 {
			ok = true
			break
		}
	}
	if !ok {
		return nil, 0, false
	}
	slices.SortStableFunc(valid, func(a, b string) int { return news.CompareCVEIntel(intel[a], intel[b]) })
	for _, id := range valid[:min(len(valid), MaxBadges)] {
		lines = append(lines, Badge(cveLink(id), intel[id]))
	}
	return lines, len(valid) - len(lines), true
}

// moreLine is the "…and N more" line of n ids left out.
func moreLine(n int) string { return fmt.Sprintf("…and %d more", n) }

// cveField is the "CVEs" field of ids: their badges (badgeLines) on lines
// of their own when intel knows something of one, else the inline list of
// NVD links.
func cveField(intel map[string]news.CVEIntel, ids ...[]string) *discordgo.MessageEmbedField {
	lines, more, ok := badgeLines(intel, ids...)
	if !ok {
		return listField("CVEs", cveLines(ids...), true)
	}
	if more > 0 {
		lines = append(lines, moreLine(more))
	}
	// MaxBadges lines of the longest ids with every part fit in a field
	// (TestBadgesFitAField); packLines keeps to the limit all the same.
	return listField("CVEs", lines, false)
}

// raiseReason says why a severity was raised: "CVE-2025-53770 is known
// exploited (CISA KEV)", "… in ransomware campaigns (CISA KEV)" or "… has
// a CVSS base score of 9.8".
func raiseReason(r *news.SeverityRaise) string {
	id := "a CVE it names"
	if cveID.MatchString(r.Cause.ID) {
		id = r.Cause.ID
	}
	score, _ := r.Cause.BaseScore()
	switch {
	case r.Cause.Ransomware():
		return id + " is known exploited in ransomware campaigns (CISA KEV)"
	case r.Cause.Exploited():
		return id + " is known exploited (CISA KEV)"
	}
	return fmt.Sprintf("%s has a CVSS base score of %.1f", id, score)
}

// raiseNote is the note under a raised severity: "Raised from High:
// CVE-… is known exploited (CISA KEV)", or "Raised to critical: …" when the
// summary rated no known severity; "" when r is nil.
func raiseNote(r *news.SeverityRaise) string {
	if r == nil {
		return ""
	}
	if name := severityName(r.From); name != "" {
		return "Raised from " + name + ": " + raiseReason(r)
	}
	return "Raised to critical: " + raiseReason(r)
}

// severityField is the "Severity" field of sev (nil for an unknown one),
// with the note of a raise under it.
func severityField(sev news.Severity, raise *news.SeverityRaise) *discordgo.MessageEmbedField {
	label := severityLabel(sev)
	if label == "" {
		return nil
	}
	if note := raiseNote(raise); note != "" {
		label += "\n" + note
	}
	return &discordgo.MessageEmbedField{Name: "Severity", Value: label, Inline: true}
}
