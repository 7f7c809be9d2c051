package news

import (
	"math"
	"testing"
)

func TestCVSSRating(t *testing.T) {
	for _, c := range []struct {
		score float64
		want  string
	}{{10, "critical"}, {9, "critical"}, {8.9, "high"}, {7, "high"}, {6.9, "medium"}, {4, "medium"}, {3.9, "low"}, {0.1, "low"}, {0, "none"}, {-1, "none"}, {math.NaN(), "none"}} {
		if got := CVSSRating(c.score); got != c.want {
			t.Errorf("CVSSRating(%v) = %q, want %q", c.score, got, c.want)
		}
	}
}

func TestCVSSSeverity(t *testing.T) {
	for _, c := range []struct {
		score float64
		want  Severity
	}{
		{10, SeverityCritical}, {9, SeverityCritical}, {8.9, SeverityHigh}, {7, SeverityHigh},
		{6.9, SeverityMedium}, {4, SeverityMedium}, {3.9, SeverityLow}, {0.1, SeverityLow},
		{0, SeverityLow}, {-1, SeverityLow}, {math.NaN(), SeverityLow},
	} {
		if got := CVSSSeverity(c.score); got != c.want {
			t.Errorf("CVSSSeverity(%v) = %q, want %q", c.score, got, c.want)
		}
	}
}

func TestCVSSSeverityOf(t *testing.T) {
	for _, c := range []struct {
		stated string
		score  float64
		want   string
	}{
		{"CRITICAL", 5, "critical"},
		{" High ", 9.8, "high"},
		{"none", 0, "none"},
		{"", 9.8, "critical"},
		{"severe", 5, "medium"},
		{"<@123>", 0.1, "low"},
	} {
		if got := CVSSSeverityOf(c.stated, c.score); got != c.want {
			t.Errorf("CVSSSeverityOf(%q, %v) = %q, want %q", c.stated, c.score, got, c.want)
		}
	}
}
