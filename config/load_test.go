package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// envOf returns a getenv over a fixed map.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// writeConfig writes content to a file in a fresh directory.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secbrief.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoad(t *testing.T) {
	env := envOf(map[string]string{
		"OPENAI_API_KEY": "sk-from-env",
		"DISCORD_TOKEN":  "discord-from-env",
		"MODEL":          "llama3.1:8b",
		"CONC":           "9",
		"LOCAL":          "http://localhost:11434/v1",
	})
	tests := []struct {
		name    string
		content string
		check   func(t *testing.T, c Config)
	}{
		{
			name:    "empty file gives defaults and env secrets",
			content: "",
			check: func(t *testing.T, c Config) {
				want := Default()
				want.LLM.APIKey = "sk-from-env"
				want.Discord.Token = "discord-from-env"
				if !reflect.DeepEqual(c, want) {
					t.Errorf("got\n%v\nwant\n%v", c, want)
				}
			},
		},
		{
			name:    "comments only",
			content: "# nothing here\n   # still nothing\n",
			check: func(t *testing.T, c Config) {
				if c.LLM.Model != "gpt-4o-mini" {
					t.Errorf("model = %q", c.LLM.Model)
				}
			},
		},
		{
			name:    "expansion in strings and numbers, defaults for absent keys",
			content: "llm:\n  model: ${MODEL}\n  concurrency: ${CONC}\n  base_url: ${UNSET:-http://127.0.0.1:8080/v1}\n",
			check: func(t *testing.T, c Config) {
				if c.LLM.Model != "llama3.1:8b" || c.LLM.Concurrency != 9 || c.LLM.BaseURL != "http://127.0.0.1:8080/v1" {
					t.Errorf("llm = %+v", c.LLM)
				}
				if c.LLM.Timeout.Duration() != 60*time.Second || c.LLM.Language != "English" {
					t.Errorf("absent keys lost their defaults: %+v", c.LLM)
				}
				if c.Feeds.PollInterval.Duration() != 15*time.Minute || !c.Discord.AutoThread {
					t.Errorf("absent sections lost their defaults")
				}
			},
		},
		{
			name:    "llm.max_chunks read from the file, 8 when absent",
			content: "llm:\n  max_chunks: 3\n",
			check: func(t *testing.T, c Config) {
				if c.LLM.MaxChunks != 3 || Default().LLM.MaxChunks != 8 {
					t.Errorf("max_chunks = %d, default %d", c.LLM.MaxChunks, Default().LLM.MaxChunks)
				}
			},
		},
		{
			name:    "default not used when variable is set",
			content: "llm:\n  base_url: ${LOCAL:-https://example.com/v1}\n",
			check: func(t *testing.T, c Config) {
				if c.LLM.BaseURL != "http://localhost:11434/v1" {
					t.Errorf("base_url = %q", c.LLM.BaseURL)
				}
			},
		},
		{
			name:    "explicit secrets win over the environment",
			content: "llm:\n  api_key: sk-in-file\ndiscord:\n  token: tok-in-file\n",
			check: func(t *testing.T, c Config) {
				if c.LLM.APIKey.Value() != "sk-in-file" || c.Discord.Token.Value() != "tok-in-file" {
					t.Errorf("secrets not taken from the file")
				}
			},
		},
		{
			name:    "dollar without brace and escaped brace stay literal",
			content: "fetch:\n  user_agent: \"cost $5 $${HOME}\"\n",
			check: func(t *testing.T, c Config) {
				if c.Fetch.UserAgent != "cost $5 ${HOME}" {
					t.Errorf("user_agent = %q", c.Fetch.UserAgent)
				}
			},
		},
		{
			name:    "explicit zero and false are kept",
			content: "llm:\n  max_retries: 0\ndiscord:\n  auto_thread: false\ndigest:\n  grace: 0\n",
			check: func(t *testing.T, c Config) {
				if c.LLM.MaxRetries != 0 || c.Discord.AutoThread || c.Digest.Grace != 0 {
					t.Errorf("zero values replaced by defaults: %d %v %v", c.LLM.MaxRetries, c.Discord.AutoThread, c.Digest.Grace)
				}
			},
		},
		{
			name:    "empty section keeps defaults",
			content: "llm:\nfetch:\n",
			check: func(t *testing.T, c Config) {
				if c.LLM.Concurrency != 4 || c.Fetch.MaxRedirects != 5 {
					t.Errorf("defaults lost: %+v %+v", c.LLM, c.Fetch)
				}
			},
		},
		{
			name:    "sizes, durations and channel time zone default",
			content: "fetch:\n  max_bytes: 512KiB\n  timeout: 1m30s\ndigest:\n  channels:\n    - guild_id: \"1\"\n      channel_id: \"2\"\n      schedule: \"@daily\"\n",
			check: func(t *testing.T, c Config) {
				if c.Fetch.MaxBytes.Bytes() != 512<<10 || c.Fetch.Timeout.Duration() != 90*time.Second {
					t.Errorf("fetch = %+v", c.Fetch)
				}
				if got := c.Digest.Channels[0].Timezone; got != "UTC" {
					t.Errorf("timezone = %q, want UTC", got)
				}
			},
		},
		{
			name:    "integer size",
			content: "fetch:\n  max_bytes: 1048576\n",
			check: func(t *testing.T, c Config) {
				if c.Fetch.MaxBytes != 1<<20 {
					t.Errorf("max_bytes = %d", c.Fetch.MaxBytes)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(writeConfig(t, tt.content), env)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			tt.check(t, c)
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string // substrings of the error text
		line    int
		key     string
	}{
		{"unknown top-level key", "llm:\n  model: x\nstorge:\n  path: a\n", []string{"line 3", "storge", "unknown key"}, 3, "storge"},
		{"unknown nested key", "llm:\n  model: x\n  concurency: 3\n", []string{"line 3, column 3", "llm.concurency: unknown key"}, 3, "llm.concurency"},
		{"unknown key in list element", "digest:\n  channels:\n    - channel_id: \"1\"\n      schedul: \"@daily\"\n", []string{"line 4", "digest.channels[0].schedul"}, 4, "digest.channels[0].schedul"},
		{"string for integer", "llm:\n  concurrency: four\n", []string{"line 2", "llm.concurrency", "expected an integer, got a string"}, 2, "llm.concurrency"},
		{"scalar for section", "llm: 5\n", []string{"line 1", "llm", "expected mapping"}, 1, "llm"},
		{"bare number for duration", "fetch:\n  timeout: 20\n", []string{"line 2", "fetch.timeout", `give a unit, e.g. "20s"`}, 2, "fetch.timeout"},
		{"bad duration", "feeds:\n  poll_interval: soon\n", []string{"line 2", "feeds.poll_interval", "is not a duration"}, 2, "feeds.poll_interval"},
		{"bad size", "fetch:\n  max_bytes: 5 parsecs\n", []string{"line 2", "fetch.max_bytes", "is not a size"}, 2, "fetch.max_bytes"},
		{"list for string", "log:\n  level: [info]\n", []string{"line 2", "log.level"}, 2, "log.level"},
		{"syntax error", "llm: {model: x\n", []string{"line 1"}, 1, ""},
		{"duplicate key", "llm:\n  model: a\n  model: b\n", []string{"line 3", "already defined"}, 3, ""},
		{"two documents", "llm:\n  model: a\n---\nlog:\n  level: info\n", []string{"line 4", "only one YAML document"}, 4, ""},
		{"top-level list", "- a\n- b\n", []string{"line 1", "expected mapping"}, 1, ""},
		{"unterminated reference", "llm:\n  model: ${MODEL\n", []string{"line 2", "unterminated"}, 2, ""},
		{"bad variable name", "llm:\n  model: ${1X}\n", []string{"line 2", "not a variable name"}, 2, ""},
		{"line break in value", "llm:\n  model: ${MULTI}\n", []string{"line 2", "${MULTI}", "line break"}, 2, ""},
	}
	env := envOf(map[string]string{"MULTI": "a\nb"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.content)
			_, err := Load(path, env)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T is not a *FileError", err)
			}
			if fe.File != path || fe.Line != tt.line || fe.Key != tt.key {
				t.Errorf("FileError = {File:%q Line:%d Key:%q}, want {%q %d %q}", fe.File, fe.Line, fe.Key, path, tt.line, tt.key)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans several lines: %q", err)
			}
		})
	}
}

func TestLoadNoFile(t *testing.T) {
	c, err := Load("", envOf(map[string]string{"OPENAI_API_KEY": " sk-x \n", "DISCORD_TOKEN": "tok"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.LLM.APIKey.Value() != "sk-x" || c.Discord.Token.Value() != "tok" {
		t.Errorf("secrets from env not filled (or not trimmed)")
	}
	if err := c.Validate(NeedLLM, NeedDiscord); err != nil {
		t.Errorf("defaults plus environment do not validate: %v", err)
	}
	if _, err := Load("", nil); err != nil {
		t.Errorf("Load with nil getenv: %v", err)
	}
	// The defaults the issue fixes.
	if c.LLM.BaseURL != "https://api.openai.com/v1" || c.Storage.Path != "secbrief.db" || len(c.Fetch.AllowNetworks) != 0 {
		t.Errorf("defaults: base_url %q, storage.path %q, allow_networks %v", c.LLM.BaseURL, c.Storage.Path, c.Fetch.AllowNetworks)
	}
}

// TestLoadFromEnvConfig is how main loads: the file named by
// SECBRIEF_CONFIG when there is no -config flag, secrets from the
// environment.
func TestLoadFromEnvConfig(t *testing.T) {
	path := writeConfig(t, "llm:\n  model: from-env-file\nstorage:\n  path: ${DATA}/cache.db\n")
	env := envOf(map[string]string{EnvConfig: path, "DATA": "/var/lib/secbrief", "OPENAI_API_KEY": "sk-x"})
	c, err := Load(Resolve("", env), env)
	if err != nil {
		t.Fatal(err)
	}
	if c.LLM.Model != "from-env-file" || c.Storage.Path != "/var/lib/secbrief/cache.db" || c.LLM.APIKey.Value() != "sk-x" {
		t.Errorf("model %q, storage.path %q: the file named by %s was not loaded", c.LLM.Model, c.Storage.Path, EnvConfig)
	}
	if err := c.Validate(NeedLLM); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent.yaml"), nil)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want fs.ErrNotExist", err)
	}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name, flag, env, want string
	}{
		{"flag wins", "a.yaml", "b.yaml", "a.yaml"},
		{"environment", "", "b.yaml", "b.yaml"},
		{"nothing", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Resolve(tt.flag, envOf(map[string]string{EnvConfig: tt.env}))
			if got != tt.want {
				t.Errorf("Resolve = %q, want %q", got, tt.want)
			}
		})
	}
	if got := Resolve("", nil); got != "" {
		t.Errorf("Resolve with nil getenv = %q", got)
	}
}
