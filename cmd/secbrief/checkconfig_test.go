package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secbrief/secbrief/internal/fakellm"
)

// runChild runs this binary's main as a child process with exactly env
// (plus the switch that makes the test binary run main) and returns its
// exit code, stdout and stderr.
func runChild(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	return runMain(t, append(base, env...), "", args...)
}

// runMain runs this binary's main (the test binary re-executing itself)
// with env (plus the switch that makes it run main), stdin and args, and
// returns its exit code, stdout and stderr.
func runMain(t *testing.T, env []string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), exe, args...)
	cmd.Env = append(env, "SECBRIEF_TEST_MAIN=1")
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String(), errOut.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), out.String(), errOut.String()
	}
	t.Fatalf("run secbrief %q: %v", args, err)
	return 0, "", ""
}

// writeFileIn writes body to name in a fresh directory and returns its path.
func writeFileIn(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCheckConfigReportsEveryProblemInOneRun: an unknown key, two bad
// durations and a bad CIDR give four lines, each with its key and line.
func TestCheckConfigReportsEveryProblemInOneRun(t *testing.T) {
	t.Parallel()
	path := writeFileIn(t, "bad.yaml", `llm:
  modle: gpt-4o
fetch:
  timeout: 20
  idle_timeout: soon
  allow_networks: ["10.0.0/8"]
`)
	code, out, errOut := runChild(t, []string{"OPENAI_API_KEY=k-123456", "DISCORD_TOKEN=t-123456"}, "check-config", "-config", path)
	if code != 1 || out != "" {
		t.Fatalf("exit %d, stdout %q, want 1 and nothing", code, out)
	}
	want := []string{
		path + ` line 2, column 3: llm.modle: unknown key`,
		path + ` line 4, column 12: fetch.timeout: 20 is not a duration`,
		path + ` line 5, column 17: fetch.idle_timeout: "soon" is not a duration`,
		path + ` line 6: fetch.allow_networks[0]: invalid CIDR "10.0.0/8"`,
	}
	var problems []string
	for _, l := range strings.Split(strings.TrimSpace(errOut), "\n") {
		if strings.HasPrefix(l, path) {
			problems = append(problems, l)
		}
	}
	if len(problems) != len(want) {
		t.Fatalf("%d problem lines, want %d:\n%s", len(problems), len(want), errOut)
	}
	for i, w := range want {
		if !strings.HasPrefix(problems[i], w) {
			t.Errorf("line %d = %q\nwant prefix %q", i+1, problems[i], w)
		}
	}
}

// TestCheckConfigUnsetVariables: an unset ${VAR} without default is a
// warning naming the variable and the key (exit code unchanged), and an
// error where the command requires the key.
func TestCheckConfigUnsetVariables(t *testing.T) {
	t.Parallel()
	warnOnly := writeFileIn(t, "warn.yaml", "llm:\n  base_url: http://127.0.0.1:11434/v1\n  api_key: ${LOCAL_LLM_KEY}\n"+
		"discord:\n  token: ${BOT_TOKEN}\n  guild_id: \"${DEV_GUILD}\"\n")
	code, out, errOut := runChild(t, []string{"BOT_TOKEN=t-123456"}, "check-config", "-config", warnOnly)
	if code != 0 || !strings.Contains(out, "configuration OK") {
		t.Fatalf("exit %d, stdout %q, stderr %s; want 0 and OK", code, out, errOut)
	}
	for _, w := range []string{
		warnOnly + " line 3: llm.api_key: ${LOCAL_LLM_KEY} is not set and has no default",
		warnOnly + " line 6: discord.guild_id: ${DEV_GUILD} is not set and has no default",
	} {
		if !strings.Contains(errOut, "warning: "+w) {
			t.Errorf("stderr lacks the warning %q:\n%s", w, errOut)
		}
	}

	required := writeFileIn(t, "required.yaml", "discord:\n  token: ${BOT_TOKEN}\n")
	code, _, errOut = runChild(t, []string{"OPENAI_API_KEY=k-123456"}, "check-config", "-config", required)
	if code != 1 || !strings.Contains(errOut, required+" line 2: discord.token: ${BOT_TOKEN} is not set and has no default; required") {
		t.Fatalf("exit %d, stderr %s; want 1 naming ${BOT_TOKEN} and discord.token", code, errOut)
	}

	// summarize does not use discord.*: no word about it.
	text := writeFileIn(t, "a.txt", "Title\n\n"+strings.Repeat("Some words of a long enough article. ", 30))
	code, _, errOut = runChild(t, []string{"BOT_TOKEN=t-123456"}, "summarize", "-dry-run", "-config", warnOnly, text)
	if code != 0 || strings.Contains(errOut, "DEV_GUILD") || strings.Contains(errOut, "LOCAL_LLM_KEY") {
		t.Fatalf("summarize -dry-run: exit %d, stderr %s; want 0 and no warning about unused keys", code, errOut)
	}
}

// TestOpenAIBaseURLEnvironment: with OPENAI_BASE_URL set and no
// llm.base_url, summarize calls that server, with no file at all and with
// the example's ${OPENAI_BASE_URL:-…}.
func TestOpenAIBaseURLEnvironment(t *testing.T) {
	text := needCorpus(t, corpusText)
	llm := fakellm.New(t)
	llm.SetResponder(func(fakellm.Request) fakellm.Response { return fakellm.Reply(summaryJSON) })
	dir := t.TempDir()
	withRef := writeFileIn(t, "c.yaml", "llm:\n  base_url: ${OPENAI_BASE_URL:-https://api.openai.com/v1}\n  max_retries: 0\nstorage:\n  path: "+
		filepath.Join(dir, "a.db")+"\n")
	noBaseURL := writeFileIn(t, "d.yaml", "storage:\n  path: "+filepath.Join(dir, "b.db")+"\n")
	env := map[string]string{"OPENAI_BASE_URL": llm.URL(), "OPENAI_API_KEY": "k-123456"}
	for i, cfg := range []string{withRef, noBaseURL} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"summarize", "-config", cfg, "-"}, bytes.NewReader(text), &out, &errOut,
			func(k string) string { return env[k] })
		if code != 0 || !strings.Contains(out.String(), "Kerman") {
			t.Fatalf("config %d: exit %d, out %s, err %s", i, code, out.String(), errOut.String())
		}
		if llm.Calls() != i+1 {
			t.Fatalf("config %d: the server at OPENAI_BASE_URL got %d calls, want %d", i, llm.Calls(), i+1)
		}
	}
}
