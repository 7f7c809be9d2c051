package main

import (
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secbrief/secbrief/article"
	"github.com/secbrief/secbrief/commands"
	"github.com/secbrief/secbrief/config"
	"github.com/secbrief/secbrief/internal/fakellm"
)

// writeFetchConfig writes a config for llm with the given lines under
// fetch: and returns its path.
func writeFetchConfig(t *testing.T, llm *fakellm.Server, fetch string) string {
	t.Helper()
	dir := t.TempDir()
	body := "llm:\n  base_url: " + llm.URL() + "\n  api_key: k-123456\n  max_retries: 0\n" +
		"storage:\n  path: " + filepath.Join(dir, "s.db") + "\nfetch:\n" + fetch
	return writeFileIn(t, "c.yaml", body)
}

// TestFetchRefusalsNameTheKey: in the terminal, a refused link names the
// key that would allow it; the text shown in Discord never does.
func TestFetchRefusalsNameTheKey(t *testing.T) {
	llm := fakellm.New(t)
	s := newSite(t)
	u, _ := url.Parse(s.URL)
	_, port, _ := net.SplitHostPort(u.Host)
	tests := []struct {
		name  string
		fetch string
		want  string
	}{
		{"port", "  allow_networks: [127.0.0.0/8]\n", "port " + port + " is not 80 or 443 and not allowed (fetch.allow_ports can allow it)"},
		{"network", "  allow_ports: [" + port + "]\n", "address 127.0.0.1 is loopback and not allowed (fetch.allow_networks can allow it)"},
		{"localhost", "  allow_ports: [" + port + "]\n", "host localhost is local and not allowed (fetch.allow_networks can allow it)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfgPath := writeFetchConfig(t, llm, tt.fetch)
			link := s.URL + "/advisory"
			if tt.name == "localhost" {
				link = "http://localhost:" + port + "/advisory"
			}
			code, _, errOut := runCLI(t, "", "summarize", "-config", cfgPath, link)
			if code != 1 || !strings.Contains(errOut, tt.want) {
				t.Fatalf("exit %d, stderr %s; want 1 and %q", code, errOut, tt.want)
			}
			// The same error as Discord shows it.
			cfg, err := config.Load(cfgPath, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = article.NewFetcher(fetchPolicy(cfg.Fetch), nil).Fetch(t.Context(), link)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("fetch error %v, want %q", err, tt.want)
			}
			if msg := commands.UserMessage(err); strings.Contains(msg, "fetch.") || strings.Contains(msg, "127.0.0.1") {
				t.Errorf("Discord text %q names a key or an address", msg)
			}
		})
	}
	if llm.Calls() != 0 {
		t.Errorf("refused links reached the LLM %d times", llm.Calls())
	}
}

// TestSummarizeLocalhostWhenLoopbackAllowed: localhost is fetched once the
// loopback network it resolves to is allowed.
func TestSummarizeLocalhostWhenLoopbackAllowed(t *testing.T) {
	llm := fakellm.New(t)
	llm.SetResponder(func(fakellm.Request) fakellm.Response {
		return fakellm.Reply(fakellm.SummaryJSON("Acme Router flaw", "high"))
	})
	s := newSite(t)
	u, _ := url.Parse(s.URL)
	_, port, _ := net.SplitHostPort(u.Host)
	cfgPath := writeFetchConfig(t, llm, "  allow_networks: [127.0.0.0/8, \"::1\"]\n  allow_ports: ["+port+"]\n")
	code, out, errOut := runCLI(t, "", "summarize", "-config", cfgPath, "http://localhost:"+port+"/advisory")
	if code != 0 || s.Fetches("/advisory") != 1 || !strings.Contains(out, "Acme Router flaw") {
		t.Fatalf("exit %d, fetches %d, out %s, err %s", code, s.Fetches("/advisory"), out, errOut)
	}
}

// TestSummarizeThroughAzure: llm.api_type azure sends the summary request
// to the deployment named by llm.model, as written, with api-version and
// the api-key header.
func TestSummarizeThroughAzure(t *testing.T) {
	text := needCorpus(t, corpusText)
	az := fakellm.NewAzure(t)
	az.SetResponder(func(fakellm.Request) fakellm.Response { return fakellm.Reply(summaryJSON) })
	dir := t.TempDir()
	cfgPath := writeFileIn(t, "azure.yaml", "llm:\n  api_type: azure\n  api_version: 2024-10-21\n  base_url: "+az.Endpoint()+
		"\n  api_key: ${AZURE_OPENAI_API_KEY}\n  model: gpt-3.5-turbo\n  max_retries: 0\nstorage:\n  path: "+filepath.Join(dir, "s.db")+"\n")
	code, out, errOut := runChild(t, []string{"AZURE_OPENAI_API_KEY=az-key-123456"}, "summarize", "-config", cfgPath, writeFileIn(t, "a.txt", string(text)))
	if code != 0 || !strings.Contains(out, "Kerman") {
		t.Fatalf("exit %d, out %s, err %s", code, out, errOut)
	}
	want := "/openai/deployments/gpt-3.5-turbo/chat/completions?api-version=2024-10-21"
	if got := az.Targets(); len(got) != 1 || got[0] != want {
		t.Fatalf("requests %v, want [%s]", got, want)
	}
	if h := az.Requests()[0].Header; h.Get("Api-Key") != "az-key-123456" {
		t.Errorf("api-key header %q", h.Get("Api-Key"))
	}
}
