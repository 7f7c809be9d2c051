package news

import (
	"fmt"
	"strings"
)

// Severity is how bad a security story is, as the summary rates it.
type Severity string

// The severities, most severe first.
const (
	SeverityCritical Severity = "critical"
	SeverityHigh     Severity = "high"
	SeverityMedium   Severity = "medium"
	SeverityLow      Severity = "low"
	SeverityInfo     Severity = "info"
)

// Severities lists every severity, most severe first.
var severities = [...]Severity{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow, SeverityInfo}

// ParseSeverity parses a severity name, case-insensitively.
func ParseSeverity(s string) (Severity, error) {
	v := Severity(strings.ToLower(strings.TrimSpace(s)))
	for _, known := range severities {
		if v == known {
			return v, nil
		}
	}
	return "", fmt.Errorf("unknown severity %q (want critical, high, medium, low or info)", s)
}

// Rank orders severities: 0 for critical up to 4 for info; unknown values
// rank after info.
func (s Severity) Rank() int {
	for i, known := range severities {
		if s == known {
			return i
		}
	}
	return len(severities)
}

// Valid reports whether s is one of the known severities.
func (s Severity) Valid() bool { return s.Rank() < len(severities) }
