package news

import "testing"

func TestCVSSRating(t *testing.T) {
	for _, c := range []struct {
		score float64
		want  string
	}{{10, "critical"}, {9, "critical"}, {8.9, "high"}, {7, "high"}, {6.9, "medium"}, {4, "medium"}, {3.9, "low"}, {0.1, "low"}, {0, "none"}} {
		if got := CVSSRating(c.score); got != c.want {
			t.Errorf("CVSSRating(%v) = %q, want %q", c.score, got, c.want)
		}
	}
}
