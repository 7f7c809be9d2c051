package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/secbrief/secbrief/internal/fakellm"
	"github.com/secbrief/secbrief/news"
)

// runProcess runs the secbrief binary (this test binary re-executing
// main) with this process's environment, args and stdin, and returns its
// exit status and output.
func runProcess(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	return runMain(t, os.Environ(), stdin, args...)
}

// flagLine is a flag's header line in a FlagSet's PrintDefaults output:
// the name, then the argument name when the flag takes one.
var flagLine = regexp.MustCompile(`(?m)^  -(\S+)(?:[ \t](.*))?$`)

// argNames are the argument names the flag package derives from a flag's
// type; anything else comes from a back-quoted word in its usage string.
var argNames = map[string]bool{"": true, "string": true, "duration": true, "int": true, "uint": true, "float": true, "value": true}

// TestSubcommandHelp: `secbrief help NAME` prints NAME's help on stdout and
// exits 0, the same text as `secbrief NAME -h` (on stderr, as the flag
// package does), and no flag of any subcommand shows a made-up argument
// name (a back-quoted word in its usage string becomes one).
func TestSubcommandHelp(t *testing.T) {
	for _, c := range subcommands() {
		if c.name == "help" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", "help", c.name)
			if code != 0 || errOut != "" || !strings.HasPrefix(out, "usage: secbrief "+c.name+" ") && !strings.HasPrefix(out, "usage: secbrief "+c.name+"\n") {
				t.Fatalf("help %s: exit %d, stdout %q, stderr %q", c.name, code, out, errOut)
			}
			code, hOut, hErr := runCLI(t, "", c.name, "-h")
			if code != 0 || hErr != out || hOut != "" {
				t.Errorf("%s -h: exit %d, stderr %q, want the help text %q", c.name, code, hErr, out)
			}
			for _, m := range flagLine.FindAllStringSubmatch(out, -1) {
				if !argNames[m[2]] {
					t.Errorf("%s -h: flag -%s shows the argument name %q (a back-quoted word in its usage?)", c.name, m[1], m[2])
				}
			}
		})
	}
	code, out, _ := runCLI(t, "", "digest", "-h")
	if code != 0 && !strings.Contains(out, "-dry-run") {
		t.Fatalf("digest -h: exit %d", code)
	}
	// The overview names every command, and help for an unknown one fails.
	code, out, _ = runCLI(t, "", "help")
	for _, c := range subcommands() {
		if code != 0 || !strings.Contains(out, "secbrief "+c.name) {
			t.Errorf("help (exit %d) does not list %s:\n%s", code, c.name, out)
		}
	}
	if code, _, errOut := runCLI(t, "", "help", "summarise"); code != 2 || !strings.Contains(errOut, `unknown command "summarise"`) {
		t.Errorf("help summarise: exit %d, stderr %q", code, errOut)
	}
}

// TestHelpSummarizeProcess: the binary prints summarize's help, its flags
// included, for `secbrief help summarize`.
func TestHelpSummarizeProcess(t *testing.T) {
	code, out, errOut := runProcess(t, "", "help", "summarize")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"usage: secbrief summarize [-config FILE] [-json] [-dry-run] URL | FILE | -", "-json", "-dry-run", "-config string"} {
		if !strings.Contains(out, want) {
			t.Errorf("help summarize lacks %q:\n%s", want, out)
		}
	}
}

// TestSummarizeFlagsAfterTheArgument: `summarize FILE -json` prints JSON,
// as `summarize -json FILE` does, and "--" lets a file name start with a
// dash.
func TestSummarizeFlagsAfterTheArgument(t *testing.T) {
	text := needCorpus(t, corpusText)
	llm := fakellm.New(t)
	llm.SetResponder(func(fakellm.Request) fakellm.Response { return fakellm.Reply(summaryJSON) })
	cfg := writeConfig(t, llm)
	odd := filepath.Join(t.TempDir(), "-odd.txt")
	if err := os.WriteFile(odd, text, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"summarize", corpusText, "-json", "-config", cfg},
		{"summarize", "-config", cfg, "-", "-json"},
		{"summarize", "-config", cfg, "-json", "--", odd},
	} {
		code, out, errOut := runCLI(t, string(text), args...)
		var s news.Summary
		if code != 0 || json.Unmarshal([]byte(out), &s) != nil || s.Title != "US warned Iran before Kerman attacks" {
			t.Errorf("%q: exit %d, stderr %q, stdout is not the JSON summary:\n%s", args, code, errOut, out)
		}
	}
}

// TestSummarizeDryRunKeepsNothing: a dry run creates no database file, and
// says that -json does not apply to it rather than ignoring it silently.
func TestSummarizeDryRunKeepsNothing(t *testing.T) {
	text := needCorpus(t, corpusText)
	llm := fakellm.New(t)
	cfg := writeConfig(t, llm)
	dir := filepath.Dir(cfg)
	code, out, errOut := runProcess(t, string(text), "summarize", "-config", cfg, "-", "-dry-run", "-json")
	if code != 0 || !strings.Contains(out, "estimated tokens:") {
		t.Fatalf("dry run: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	if !strings.Contains(errOut, "-json does not apply to -dry-run") {
		t.Errorf("stderr does not say -json does not apply: %q", errOut)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "config.yaml" {
			t.Errorf("dry run left %s in the configuration's directory", e.Name())
		}
	}
	if llm.Calls() != 0 {
		t.Errorf("dry run called the LLM %d times", llm.Calls())
	}
	// Without -json, nothing is said about it.
	if _, _, errOut := runCLI(t, string(text), "summarize", "-dry-run", "-config", cfg, "-"); strings.Contains(errOut, "-json") {
		t.Errorf("dry run without -json mentions it: %q", errOut)
	}
}
