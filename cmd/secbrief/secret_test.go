package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secbrief/secbrief/internal/fakellm"
)

// apiKey is the configured LLM key that must never reach the terminal.
const apiKey = "sk-proj-SENTINELkey0123456789abcdef"

func writeKeyConfig(t *testing.T, llm *fakellm.Server) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	body := "llm:\n  base_url: " + llm.URL() + "\n  api_key: " + apiKey + "\n  max_retries: 0\n" +
		"storage:\n  path: " + filepath.Join(dir, "secbrief.db") + "\n" +
		"log:\n  level: debug\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSummarizeNeverPrintsTheAPIKey(t *testing.T) {
	needCorpus(t, corpusText)
	llm := fakellm.New(t)
	// Like OpenAI's 401, the error message quotes the rejected key.
	llm.Enqueue(fakellm.Response{Status: http.StatusUnauthorized, ErrorType: "invalid_request_error", ErrorCode: "invalid_api_key",
		ErrorMessage: "Incorrect API key provided: " + apiKey + ". You can find your API key at https://platform.openai.com/account/api-keys."})
	cfg := writeKeyConfig(t, llm)

	code, out, errOut := runCLI(t, "", "summarize", "-config", cfg, corpusText)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, errOut)
	}
	if llm.Calls() == 0 {
		t.Fatal("the LLM was not called: the test proves nothing")
	}
	for name, s := range map[string]string{"stdout": out, "stderr": errOut} {
		if strings.Contains(s, apiKey) || strings.Contains(s, "SENTINELkey") {
			t.Errorf("%s shows the API key:\n%s", name, s)
		}
	}
	if !strings.Contains(errOut, "Incorrect API key provided: [REDACTED]") {
		t.Errorf("stderr lacks the masked error:\n%s", errOut)
	}
}

func TestSummarizeStdoutMasksOnlyTheConfiguredSecrets(t *testing.T) {
	needCorpus(t, corpusText)
	// Prose that looks like secrets to the log patterns, and the real key
	// echoed by the model.
	lookAlike := "Rotate any sk- prefixed key; the attacker sent Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345 " +
		"to /webhooks/123456/aW50ZXJhY3Rpb25Ub2tlbg from the leaked config"
	summary := `{"title":"Leaked keys","tldr":"` + lookAlike + `","key_points":["The key ` + apiKey + ` was echoed"],` +
		`"severity":"high","cves":[],"affected":[],"actions":["Rotate keys"]}`
	for _, format := range []string{"markdown", "json"} {
		t.Run(format, func(t *testing.T) {
			llm := fakellm.New(t)
			llm.Enqueue(fakellm.Reply(summary))
			args := []string{"summarize", "-config", writeKeyConfig(t, llm)}
			if format == "json" {
				args = append(args, "-json")
			}
			code, out, errOut := runCLI(t, "", append(args, corpusText)...)
			if code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", code, errOut)
			}
			if strings.Contains(out, apiKey) || strings.Contains(errOut, apiKey) {
				t.Fatalf("the API key is printed:\n%s\n%s", out, errOut)
			}
			if !strings.Contains(out, "The key [REDACTED] was echoed") {
				t.Errorf("stdout lacks the masked key:\n%s", out)
			}
			if !strings.Contains(out, lookAlike) {
				t.Errorf("stdout mangled look-alike prose %q:\n%s", lookAlike, out)
			}
		})
	}
}
