package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secbrief/secbrief/internal/fakellm"
	"github.com/secbrief/secbrief/news"
)

// corpusText is the plain-text article of the shared corpus.
const corpusText = "../../../shared/corpus/text/000_ada40e4cc4d9c201.txt"

// TestMain lets a test run this binary's main in a child process (for the
// across-processes cache test) when SECBRIEF_TEST_MAIN is set.
func TestMain(m *testing.M) {
	if os.Getenv("SECBRIEF_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

const summaryJSON = `{"title":"US warned Iran before Kerman attacks","tldr":"The US privately warned Iran of an ISIS threat days before the Kerman bombings.",
"key_points":["Warning based on actionable intelligence","Delivered a week before the ceremony"],"severity":"info","cves":[],"affected":[],"actions":["No technical action required"]}`

// writeConfig writes a config pointing at llm and a fresh database.
func writeConfig(t *testing.T, llm *fakellm.Server) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	body := "llm:\n  base_url: " + llm.URL() + "\n  api_key: test-key-123456\n  max_retries: 0\n" +
		"storage:\n  path: " + filepath.Join(dir, "secbrief.db") + "\n" +
		"log:\n  level: error\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runCLI runs the CLI in-process and returns exit code, stdout and stderr.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut, func(string) string { return "" })
	return code, out.String(), errOut.String()
}

func needCorpus(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	return b
}

func TestSummarizeCorpusTextEndToEnd(t *testing.T) {
	text := needCorpus(t, corpusText)
	llm := fakellm.New(t)
	llm.Enqueue(fakellm.Reply(summaryJSON))
	cfg := writeConfig(t, llm)

	code, out, errOut := runCLI(t, "", "summarize", "-config", cfg, corpusText)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	for _, want := range []string{"US warned Iran before Kerman attacks", "ISIS threat", "Warning based on actionable intelligence", "No technical action required"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	reqs := llm.Requests()
	if len(reqs) != 1 {
		t.Fatalf("LLM calls = %d, want 1", len(reqs))
	}
	passage := "the Biden administration discreetly issued a private warning to Iran"
	if !reqs[0].Contains(passage) {
		t.Errorf("prompt lacks the article passage %q", passage)
	}
	if !bytes.Contains(text, []byte(passage)) {
		t.Fatal("test passage is not in the corpus file")
	}

	// The same file again: served from the cache, no LLM call.
	code, out2, errOut := runCLI(t, "", "summarize", "-config", cfg, corpusText)
	if code != 0 || out2 != out {
		t.Fatalf("second run: exit %d, stderr %s, output changed:\n%s", code, errOut, out2)
	}
	if n := llm.Calls(); n != 1 {
		t.Fatalf("LLM calls after the second run = %d, want 1 (cache hit)", n)
	}
}

func TestSummarizeCacheAcrossProcesses(t *testing.T) {
	needCorpus(t, corpusText)
	llm := fakellm.New(t)
	llm.SetResponder(func(fakellm.Request) fakellm.Response { return fakellm.Reply(summaryJSON) })
	cfg := writeConfig(t, llm)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		cmd := exec.CommandContext(t.Context(), exe, "summarize", "-json", "-config", cfg, corpusText)
		cmd.Env = append(os.Environ(), "SECBRIEF_TEST_MAIN=1")
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("process %d: %v\n%s", i+1, err, errOut.String())
		}
		var s news.Summary
		if err := json.Unmarshal(out.Bytes(), &s); err != nil {
			t.Fatalf("process %d printed no JSON summary: %v\n%s", i+1, err, out.String())
		}
		if s.Title != "US warned Iran before Kerman attacks" || s.Severity != news.SeverityInfo {
			t.Fatalf("process %d: summary %+v", i+1, s)
		}
	}
	if n := llm.Calls(); n != 1 {
		t.Fatalf("LLM calls over two processes = %d, want 1", n)
	}
}

func TestSummarizeStdinAndDryRun(t *testing.T) {
	text := needCorpus(t, corpusText)
	llm := fakellm.New(t)
	cfg := writeConfig(t, llm)
	code, out, errOut := runCLI(t, string(text), "summarize", "-dry-run", "-config", cfg, "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "estimated tokens:") || !strings.Contains(out, "Kerman") {
		t.Fatalf("dry run output:\n%s", out)
	}
	if llm.Calls() != 0 {
		t.Fatal("dry run called the LLM")
	}
}

func TestSummarizeFailures(t *testing.T) {
	llm := fakellm.New(t)
	cfg := writeConfig(t, llm)
	short := filepath.Join(t.TempDir(), "short.txt")
	if err := os.WriteFile(short, []byte("Title\nToo short."), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"loopback url refused", []string{"summarize", "-config", cfg, "http://127.0.0.1/admin"}, 1, "127.0.0.1 is loopback"},
		{"metadata url refused", []string{"summarize", "-config", cfg, "http://169.254.169.254/latest/meta-data/"}, 1, "link-local"},
		{"file scheme refused", []string{"summarize", "-config", cfg, "file:///etc/passwd"}, 1, "file"},
		{"missing file", []string{"summarize", "-config", cfg, filepath.Join(t.TempDir(), "nope.html")}, 1, "no such file"},
		{"too little text", []string{"summarize", "-config", cfg, short}, 1, "readable"},
		{"no argument", []string{"summarize", "-config", cfg}, 2, "usage"},
		{"unknown command", []string{"summarise"}, 2, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, "", tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, errOut)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Fatalf("stderr lacks %q:\n%s", tt.want, errOut)
			}
			if tt.code == 1 && strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Errorf("failure is not one line:\n%s", errOut)
			}
		})
	}
	if llm.Calls() != 0 {
		t.Fatalf("failures called the LLM %d times", llm.Calls())
	}
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("llm:\n  concurrency: 0\nfetch:\n  allow_networks: [\"10.0.0/8\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "", "check-config", "-config", bad)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, key := range []string{"llm.concurrency", "fetch.allow_networks[0]", "discord.token", "llm.api_key"} {
		if !strings.Contains(errOut, key) {
			t.Errorf("check-config output lacks %s:\n%s", key, errOut)
		}
	}
	unknown := filepath.Join(dir, "unknown.yaml")
	if err := os.WriteFile(unknown, []byte("llm:\n  modle: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, "", "check-config", "-config", unknown); code != 1 || !strings.Contains(errOut, "line 2") {
		t.Fatalf("unknown key: exit %d, stderr %s", code, errOut)
	}
	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, []byte("llm:\n  api_key: k-123456\ndiscord:\n  token: t-123456\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, "", "check-config", "-config", good); code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("good config: exit %d, out %s, err %s", code, out, errOut)
	}
}
