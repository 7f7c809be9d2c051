package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    Size
		wantErr bool
	}{
		{"0", 0, false},
		{"5242880", 5 << 20, false},
		{"5MiB", 5 << 20, false},
		{"5 MiB", 5 << 20, false},
		{"512KiB", 512 << 10, false},
		{"2GiB", 2 << 30, false},
		{"10MB", 10_000_000, false},
		{"1kb", 1000, false},
		{"100B", 100, false},
		{"", 0, true},
		{"MiB", 0, true},
		{"-5MiB", 0, true},
		{"5 parsecs", 0, true},
		{"1.5MiB", 0, true},
		{"99999999999GiB", 0, true},
		{"99999999999999999999", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSize(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseSize(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestSizeAndDurationRoundTrip(t *testing.T) {
	c := Default()
	c.Fetch.MaxBytes = 1536
	c.Fetch.Timeout = Duration(90 * time.Second)
	c.Digest.Lookback = Duration(36 * time.Hour)
	back, err := Parse("printed", []byte(c.String()), nil)
	if err != nil {
		t.Fatalf("String() output does not load: %v\n%s", err, c)
	}
	if back.Fetch.MaxBytes != 1536 || back.Fetch.Timeout != c.Fetch.Timeout || back.Digest.Lookback != c.Digest.Lookback {
		t.Errorf("round trip changed values: %+v %+v", back.Fetch, back.Digest)
	}
	for _, want := range []string{"max_bytes: 1536\n", "timeout: 1m30s\n", "lookback: 36h\n", "max_bytes: 5MiB"} {
		if want == "max_bytes: 5MiB" {
			if !strings.Contains(Default().String(), want) {
				t.Errorf("Default().String() lacks %q", want)
			}
			continue
		}
		if !strings.Contains(c.String(), want) {
			t.Errorf("String() lacks %q:\n%s", want, c)
		}
	}
}

func TestSecretNeverShows(t *testing.T) {
	const sentinel = "SENTINEL-7f3a9c"
	c := Default()
	c.LLM.APIKey = sentinel
	c.Discord.Token = sentinel
	var logBuf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logBuf, nil))
	logger.Info("config", "cfg", c, "key", c.LLM.APIKey, "llm", c.LLM)
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"String":   c.String(),
		"%v":       fmt.Sprintf("%v", c),
		"%+v":      fmt.Sprintf("%+v", c.LLM),
		"%#v":      fmt.Sprintf("%#v", c.Discord),
		"%s":       fmt.Sprintf("%s", c.LLM.APIKey),
		"%q":       fmt.Sprintf("%q", c.LLM.APIKey),
		"%x":       fmt.Sprintf("%x", c.LLM.APIKey),
		"%d":       fmt.Sprintf("%d", c.LLM.APIKey),
		"slog":     logBuf.String(),
		"json":     string(js),
		"errorArg": fmt.Errorf("with %v", c.Discord.Token).Error(),
	}
	for name, out := range outputs {
		if strings.Contains(out, sentinel) || strings.Contains(out, fmt.Sprintf("%x", sentinel)) {
			t.Errorf("%s shows the secret: %s", name, out)
		}
	}
	if !strings.Contains(outputs["String"], redactedText) {
		t.Errorf("String() does not mark the secret as set:\n%s", outputs["String"])
	}
	if c.LLM.APIKey.Value() != sentinel {
		t.Errorf("Value() = %q", c.LLM.APIKey.Value())
	}
	if Secret("").String() != "" {
		t.Errorf("an empty secret should print empty, to show it is unset")
	}
}

func TestLoadErrorsNeverShowSecrets(t *testing.T) {
	const sentinel = "sk-SENTINEL-a1b2c3d4"
	env := envOf(map[string]string{"OPENAI_API_KEY": sentinel, "BAD": "*" + sentinel, "DISCORD_TOKEN": sentinel + ": x"})
	for name, content := range map[string]string{
		"alias from env":        "llm:\n  api_key: ${BAD}\n",
		"mapping from env":      "discord:\n  token: ${DISCORD_TOKEN}\n  nope: 1\n",
		"secret as a key":       "llm:\n  ${OPENAI_API_KEY}: 1\n",
		"secret in a duration":  "llm:\n  timeout: ${OPENAI_API_KEY}\n",
		"secret in an integer":  "llm:\n  concurrency: ${OPENAI_API_KEY}\n",
		"secret as section":     "llm: ${OPENAI_API_KEY}\n",
		"secret in a bad flow":  "llm: {api_key: ${OPENAI_API_KEY}\n",
		"secret in a size":      "fetch:\n  max_bytes: ${OPENAI_API_KEY}\n",
		"secret as list header": "${OPENAI_API_KEY}:\n  - a\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Load(writeConfig(t, content), env)
			if err == nil {
				t.Fatal("want an error")
			}
			if strings.Contains(err.Error(), sentinel) {
				t.Errorf("error shows the secret: %v", err)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	env := envOf(map[string]string{"A": "alpha", "EMPTY": ""})
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{"plain", "a: 1\n", "a: 1\n", false},
		{"variable", "a: ${A}\n", "a: alpha\n", false},
		{"unset is empty", "a: ${NOPE}x\n", "a: x\n", false},
		{"default when unset", "a: ${NOPE:-d}\n", "a: d\n", false},
		{"default when empty", "a: ${EMPTY:-d}\n", "a: d\n", false},
		{"default unused", "a: ${A:-d}\n", "a: alpha\n", false},
		{"default with colon and braces-free text", "a: ${NOPE:-http://x:1/y}\n", "a: http://x:1/y\n", false},
		{"lone dollars", "a: $A $ $$ ${A}\n", "a: $A $ $$ alpha\n", false},
		{"escaped", "a: $${A}\n", "a: ${A}\n", false},
		{"full-line comment untouched", "  # ${A} and ${broken\na: ${A}\n", "  # ${A} and ${broken\na: alpha\n", false},
		{"comment at end without newline", "# ${A}", "# ${A}", false},
		{"unterminated", "a: ${A\n", "", true},
		{"empty name", "a: ${}\n", "", true},
		{"bad name", "a: ${A-B}\n", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Expand(tt.in, env)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && got != tt.want {
				t.Errorf("Expand = %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzExpand checks that expansion never panics, keeps text without "${"
// unchanged, and never changes the number of lines.
func FuzzExpand(f *testing.F) {
	for _, s := range []string{"a: ${A}\n", "${A:-x}", "$${A}", "# ${A}\n${", "${A}${B:-}\n\n$"} {
		f.Add(s, "value")
	}
	f.Fuzz(func(t *testing.T, text, value string) {
		getenv := func(string) string { return value }
		got, err := Expand(text, getenv)
		if err != nil {
			return
		}
		if !strings.Contains(text, "${") && got != text {
			t.Errorf("text without ${ changed: %q → %q", text, got)
		}
		if strings.Count(got, "\n") != strings.Count(text, "\n") {
			t.Errorf("line count changed: %q → %q", text, got)
		}
	})
}

// FuzzParse checks that no file content panics the loader, that errors stay
// on one line and never show the secret substituted from the environment,
// and that a file that parses also prints and reparses to the same values.
func FuzzParse(f *testing.F) {
	f.Add("llm:\n  api_key: ${SECRET}\n  concurrency: 2\n")
	f.Add("fetch:\n  max_bytes: 5MiB\n  timeout: 3s\n")
	f.Add("digest:\n  channels:\n    - {guild_id: '1', channel_id: '2', schedule: '@daily'}\n")
	f.Add("${SECRET}: [\n")
	f.Add("llm: *${SECRET}\n")
	const secret = "SECRET-VALUE-42"
	getenv := func(k string) string {
		if k == "SECRET" {
			return secret
		}
		return ""
	}
	f.Add("llm:\n  api_key: ${UNSET}\nfeeds:\n  defaults: [${UNSET}, x]\n")
	f.Fuzz(func(t *testing.T, content string) {
		// Every warning names a reference the file holds, on a line it has.
		_, doc := parse("f.yaml", []byte(content), getenv)
		for _, w := range doc.unsetKeys() {
			if !strings.Contains(content, "${"+w.Var) || w.Line < 1 || w.Line > strings.Count(content, "\n")+1 || w.Key == "" {
				t.Errorf("warning %v does not match the file", w)
			}
		}
		c, err := Parse("f.yaml", []byte(content), getenv)
		if err != nil {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error shows the secret: %v", err)
			}
			// Several problems are joined, one a line; each is one line.
			for _, e := range unjoin(err) {
				if strings.Contains(e.Error(), "\n") {
					t.Errorf("error spans lines: %q", e)
				}
			}
			return
		}
		_ = c.Validate(NeedLLM, NeedDiscord)
		printed := c.String()
		if strings.Contains(printed, secret) {
			t.Errorf("String() shows the secret")
		}
		back, err := Parse("printed.yaml", []byte(printed), nil)
		if err != nil {
			t.Fatalf("String() output does not parse: %v\n%s", err, printed)
		}
		if again := back.String(); again != printed {
			t.Errorf("reparse changed the config:\n%s\nvs\n%s", printed, again)
		}
	})
}
