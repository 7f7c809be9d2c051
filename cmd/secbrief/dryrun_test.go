package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/secbrief/secbrief/internal/fakellm"
	"github.com/secbrief/secbrief/news"
)

// longPageConfig writes a config with a small budget and llm.max_chunks 3,
// so that a page of a few hundred kilobytes is very long.
func longPageConfig(t *testing.T, llm *fakellm.Server) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	body := "llm:\n  base_url: " + llm.URL() + "\n  api_key: test-key-123456\n  max_retries: 0\n" +
		"  max_input_tokens: 2000\n  max_chunks: 3\n" +
		"storage:\n  path: " + filepath.Join(dir, "secbrief.db") + "\n" +
		"log:\n  level: error\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

var dryRunRequests = regexp.MustCompile(`; (\d+) request\(s\), (\d+) if the summary needs its repair`)

// TestDryRunIsTheRun: `summarize -dry-run` announces the requests the real
// run makes, and the share of a very long page it reads, which the printed
// summary states too.
func TestDryRunIsTheRun(t *testing.T) {
	var b strings.Builder
	b.WriteString("Acme VPN flaw exploited\n\n")
	for i := range 400 {
		fmt.Fprintf(&b, "Paragraph %d: attackers exploit CVE-2025-0001 in Acme VPN appliances; %s\n\n",
			i, strings.Repeat("more detail about the incident and its impact on customers. ", 8))
	}
	page := b.String()
	llm := fakellm.New(t)
	llm.SetResponder(func(r fakellm.Request) fakellm.Response {
		if r.ResponseFormat == "json_object" {
			return fakellm.Reply(fakellm.SummaryJSON("Acme VPN flaw", "high", "CVE-2025-0001"))
		}
		return fakellm.Reply("- Acme VPN flaw CVE-2025-0001 exploited.")
	})
	cfg := longPageConfig(t, llm)

	code, out, errOut := runCLI(t, page, "summarize", "-dry-run", "-config", cfg, "-")
	if code != 0 {
		t.Fatalf("dry run: exit %d: %s", code, errOut)
	}
	m := dryRunRequests.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "the first 3 of ") {
		t.Fatalf("dry run output lacks the plan:\n%.600s", out)
	}
	requests, _ := strconv.Atoi(m[1])
	withRepair, _ := strconv.Atoi(m[2])
	if requests != 3+1 || withRepair != 3+2 || llm.Calls() != 0 {
		t.Fatalf("dry run: %d requests (%d with a repair), %d calls made", requests, withRepair, llm.Calls())
	}
	note := regexp.MustCompile(`summarized from the first \d+% of a very long page`).FindString(out)
	if note == "" {
		t.Fatalf("dry run does not say how much of the page is read:\n%.600s", out)
	}

	code, out, errOut = runCLI(t, page, "summarize", "-json", "-config", cfg, "-")
	if code != 0 {
		t.Fatalf("summarize: exit %d: %s", code, errOut)
	}
	if llm.Calls() != requests {
		t.Errorf("the run made %d calls, the dry run announced %d", llm.Calls(), requests)
	}
	var s news.Summary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("no JSON summary: %v\n%s", err, out)
	}
	if s.Coverage <= 0 || s.Coverage >= 1 {
		t.Errorf("coverage = %v", s.Coverage)
	}
	// Printed from the cache: the summary still says what the dry run said.
	code, out, errOut = runCLI(t, page, "summarize", "-config", cfg, "-")
	if code != 0 || !strings.Contains(strings.ToLower(out), note) || llm.Calls() != requests {
		t.Errorf("cached summary: exit %d, %d calls, output lacks %q:\n%s%s", code, llm.Calls(), note, out, errOut)
	}
}
