package config

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckReportsEveryProblemWithItsLine(t *testing.T) {
	path := writeConfig(t, `llm:
  base_url: http://127.0.0.1:8080/v1
  modle: gpt-4o
fetch:
  timeout: soon
  idle_timeout: 30
  allow_networks: ["10.0.0.0/33"]
`)
	_, rep, err := Check(path, nil, NeedLLM)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line int
		key  string
		msg  string
	}{
		{3, "llm.modle", "unknown key"},
		{5, "fetch.timeout", `"soon" is not a duration`},
		{6, "fetch.idle_timeout", "30 is not a duration"},
		{7, "fetch.allow_networks[0]", "invalid CIDR"},
	}
	if len(rep.Problems) != len(want) {
		t.Fatalf("%d problems, want %d:\n%v", len(rep.Problems), len(want), rep.Err())
	}
	for i, w := range want {
		var fe *FileError
		if !errors.As(rep.Problems[i], &fe) {
			t.Fatalf("problem %d %T is not a *FileError: %v", i, rep.Problems[i], rep.Problems[i])
		}
		if fe.File != path || fe.Line != w.line || fe.Key != w.key || !strings.Contains(fe.Msg, w.msg) {
			t.Errorf("problem %d = %v, want line %d, key %s, %q", i, fe, w.line, w.key, w.msg)
		}
	}
	if len(rep.Warnings) != 0 {
		t.Errorf("warnings %v, want none", rep.Warnings)
	}
}

func TestLoadJoinsEveryFileError(t *testing.T) {
	path := writeConfig(t, "llm:\n  timeout: 5\n  concurrency: many\nfoo: 1\n")
	_, err := Load(path, nil)
	if err == nil {
		t.Fatal("no error")
	}
	var fe *FileError
	if !errors.As(err, &fe) || fe.Key != "llm.timeout" {
		t.Fatalf("first error %v, want llm.timeout", err)
	}
	for _, key := range []string{"llm.timeout", "llm.concurrency", "foo"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error lacks %s:\n%v", key, err)
		}
	}
}

func TestCheckKeepsOneErrorWithAliases(t *testing.T) {
	// An alias's meaning spans keys: the library's own error stands.
	path := writeConfig(t, "x: &t 5\nllm:\n  timeout: *t\n  modle: y\n")
	_, rep, err := Check(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 1 {
		t.Fatalf("problems %v, want 1", rep.Problems)
	}
}

func TestCheckUnsetVariables(t *testing.T) {
	const openaiFile = "llm:\n  api_key: ${MY_KEY}\n  model: gpt-4o-mini\n"
	const localFile = "llm:\n  base_url: http://127.0.0.1:11434/v1\n  api_key: ${MY_KEY}\n"
	tests := []struct {
		name     string
		body     string
		env      map[string]string
		needs    []Need
		warnKey  string // the one warning's key, "" for none
		problem  string // text of the one problem, "" for none
		wantLine int
	}{
		{name: "used key warns", body: localFile, needs: []Need{NeedLLM}, warnKey: "llm.api_key", wantLine: 3},
		{name: "unused key is quiet", body: localFile, needs: nil},
		{name: "required key is an error naming the variable", body: openaiFile, needs: []Need{NeedLLM},
			problem: "llm.api_key: ${MY_KEY} is not set and has no default; required for api.openai.com"},
		{name: "set variable is quiet", body: localFile, env: map[string]string{"MY_KEY": "k-1234"}, needs: []Need{NeedLLM}},
		{name: "a default is quiet", body: "fetch:\n  user_agent: ${UA:-secbrief}\n"},
		{name: "an empty default is quiet", body: "storage:\n  path: x.db\nfetch:\n  allow_ports: [${PORT:-}]\n"},
		{name: "filled from OPENAI_API_KEY", body: openaiFile, env: map[string]string{"OPENAI_API_KEY": "k-1234"}, needs: []Need{NeedLLM}},
		{name: "discord key for run", body: "discord:\n  guild_id: \"${GUILD}\"\n", needs: []Need{NeedDiscord},
			warnKey: "discord.guild_id", wantLine: 2, problem: "discord.token"},
		{name: "discord key for summarize", body: "discord:\n  guild_id: \"${GUILD}\"\n", needs: []Need{NeedLLM}, problem: "llm.api_key"},
		{name: "list element", body: "feeds:\n  defaults:\n    - https://a.example/feed\n    - ${FEED}\n",
			problem: "line 4: feeds.defaults[1]: ${FEED} is not set and has no default; must be an http(s) URL"},
		{name: "list element unused", body: "digest:\n  channels:\n    - channel_id: \"1\"\n      schedule: \"@daily\"\n      timezone: ${TZ}\n", needs: []Need{NeedLLM},
			problem: "llm.api_key"},
		{name: "list element used", body: "digest:\n  channels:\n    - channel_id: \"1\"\n      schedule: \"@daily\"\n      timezone: ${TZ}\n",
			needs: []Need{NeedDiscord}, env: map[string]string{"DISCORD_TOKEN": "t-1234"}, warnKey: "digest.channels[0].timezone", wantLine: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.body)
			_, rep, err := Check(path, envOf(tt.env), tt.needs...)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.warnKey == "" && len(rep.Warnings) != 0:
				t.Errorf("warnings %v, want none", rep.Warnings)
			case tt.warnKey != "" && (len(rep.Warnings) != 1 || rep.Warnings[0].Key != tt.warnKey || rep.Warnings[0].Line != tt.wantLine):
				t.Errorf("warnings %v, want one on %s line %d", rep.Warnings, tt.warnKey, tt.wantLine)
			case tt.warnKey != "" && !strings.Contains(rep.Warnings[0].Error(), "${"):
				t.Errorf("warning %q does not name the variable", rep.Warnings[0])
			}
			switch {
			case tt.problem == "" && len(rep.Problems) != 0:
				t.Errorf("problems %v, want none", rep.Err())
			case tt.problem != "" && (len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0].Error(), tt.problem)):
				t.Errorf("problems %v, want one with %q", rep.Err(), tt.problem)
			}
		})
	}
}

func TestWarningText(t *testing.T) {
	w := &Warning{File: "c.yaml", Line: 3, Key: "llm.api_key", Var: "OPENAI_API_KEY"}
	want := "c.yaml line 3: llm.api_key: ${OPENAI_API_KEY} is not set and has no default, so the key is empty"
	if w.Error() != want {
		t.Errorf("got %q\nwant %q", w.Error(), want)
	}
}

func TestOpenAIBaseURLIsTheDefault(t *testing.T) {
	env := envOf(map[string]string{"OPENAI_BASE_URL": " http://127.0.0.1:4000/v1 "})
	tests := []struct {
		name string
		body string // "" for no file
		env  func(string) string
		want string
	}{
		{"no file", "", env, "http://127.0.0.1:4000/v1"},
		{"file without the key", "llm:\n  model: x\n", env, "http://127.0.0.1:4000/v1"},
		{"file with the key", "llm:\n  base_url: http://10.1.1.1/v1\n", env, "http://10.1.1.1/v1"},
		{"the example's reference", "llm:\n  base_url: ${OPENAI_BASE_URL:-https://api.openai.com/v1}\n", env, " http://127.0.0.1:4000/v1 "},
		{"unset", "llm:\n  base_url: ${OPENAI_BASE_URL:-https://api.openai.com/v1}\n", nil, DefaultBaseURL},
		{"unset, no file", "", nil, DefaultBaseURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.body != "" {
				path = writeConfig(t, tt.body)
			}
			cfg, err := Load(path, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(cfg.LLM.BaseURL) != strings.TrimSpace(tt.want) {
				t.Errorf("llm.base_url = %q, want %q", cfg.LLM.BaseURL, tt.want)
			}
		})
	}
}

func TestAzureSettings(t *testing.T) {
	tests := []struct {
		name string
		llm  LLMConfig
		want []string // keys in error, none when empty
	}{
		{"azure", LLMConfig{APIType: "azure", APIVersion: "2024-10-21", BaseURL: "https://r.openai.azure.com", APIKey: "k"}, nil},
		{"azure preview", LLMConfig{APIType: "azure", APIVersion: "2025-01-01-preview", BaseURL: "https://r.openai.azure.com", APIKey: "k"}, nil},
		{"no version", LLMConfig{APIType: "azure", BaseURL: "https://r.openai.azure.com", APIKey: "k"}, []string{"llm.api_version"}},
		{"bad version", LLMConfig{APIType: "azure", APIVersion: "2024-10-21&x=1", BaseURL: "https://r.openai.azure.com", APIKey: "k"}, []string{"llm.api_version"}},
		{"openai endpoint", LLMConfig{APIType: "azure", APIVersion: "2024-10-21", BaseURL: DefaultBaseURL, APIKey: "k"}, []string{"llm.base_url"}},
		{"no key", LLMConfig{APIType: "azure", APIVersion: "2024-10-21", BaseURL: "https://r.openai.azure.com"}, []string{"llm.api_key"}},
		{"version without azure", LLMConfig{APIType: "openai", APIVersion: "2024-10-21", BaseURL: DefaultBaseURL, APIKey: "k"}, []string{"llm.api_version"}},
		{"deployment with a slash", LLMConfig{APIType: "azure", APIVersion: "2024-10-21", BaseURL: "https://r.openai.azure.com", APIKey: "k", Model: "a/b"}, []string{"llm.model"}},
		{"deployment with dots", LLMConfig{APIType: "azure", APIVersion: "2024-10-21", BaseURL: "https://r.openai.azure.com", APIKey: "k", Model: "gpt-3.5-turbo"}, nil},
		{"unknown type", LLMConfig{APIType: "bedrock", BaseURL: DefaultBaseURL, APIKey: "k"}, []string{"llm.api_type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Default()
			l := tt.llm
			cfg.LLM.APIType, cfg.LLM.APIVersion, cfg.LLM.BaseURL, cfg.LLM.APIKey = l.APIType, l.APIVersion, l.BaseURL, l.APIKey
			if l.Model != "" {
				cfg.LLM.Model = l.Model
			}
			var keys []string
			for _, e := range unjoin(cfg.Validate(NeedLLM)) {
				keys = append(keys, e.(*FieldError).Key)
			}
			if strings.Join(keys, ",") != strings.Join(tt.want, ",") {
				t.Errorf("errors on %v, want %v", keys, tt.want)
			}
		})
	}
}
