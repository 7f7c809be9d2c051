package render

import (
	"strings"

	"github.com/secbrief/secbrief/news"
)

// Embed colours by severity; unknown severities and unsummarized stories
// are grey like info.
const (
	ColorCritical = 0xD32F2F // red
	ColorHigh     = 0xF57C00 // orange
	ColorMedium   = 0xFBC02D // amber
	ColorLow      = 0x1976D2 // blue
	ColorInfo     = 0x9E9E9E // grey
)

// SeverityColor is the embed colour for sev.
func SeverityColor(sev news.Severity) int {
	switch sev {
	case news.SeverityCritical:
		return ColorCritical
	case news.SeverityHigh:
		return ColorHigh
	case news.SeverityMedium:
		return ColorMedium
	case news.SeverityLow:
		return ColorLow
	default:
		return ColorInfo
	}
}

// severityLabel is the human name of sev after a coloured marker, or ""
// for an unknown severity.
func severityLabel(sev news.Severity) string {
	marker := map[news.Severity]string{
		news.SeverityCritical: "🔴", news.SeverityHigh: "🟠", news.SeverityMedium: "🟡",
		news.SeverityLow: "🔵", news.SeverityInfo: "⚪",
	}[sev]
	if marker == "" {
		return ""
	}
	return marker + " " + severityName(sev)
}

// severityName is sev capitalized ("High"), or "" for an unknown severity.
func severityName(sev news.Severity) string {
	if !sev.Valid() {
		return ""
	}
	return strings.ToUpper(string(sev[:1])) + string(sev[1:])
}
