package intel

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParseEPSS reads a day's file of 300,000 invented scores,
// gunzipped: the part of an EPSS refresh before the store's bulk load
// (storage's BenchmarkReplaceEPSS).
func BenchmarkParseEPSS(b *testing.B) {
	var sb strings.Builder
	for i := range 300_000 {
		fmt.Fprintf(&sb, "CVE-%d-%05d,%.5f,%.5f\n", 2000+i/50000, i%50000, float64(i%997)/997, float64(i)/300_000)
	}
	body := gzipped(b, epssCSV("2026-09-13", strings.TrimSuffix(sb.String(), "\n")))
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		zr, err := readGzip(body, DefaultEPSSMaxBytes)
		if err != nil {
			b.Fatal(err)
		}
		set, err := parseEPSS(zr)
		if err != nil || len(set.Scores) != 300_000 {
			b.Fatalf("parseEPSS = %d scores, %v", len(set.Scores), err)
		}
	}
}
