package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakediscord"
)

// process is `secbrief run` running as a child process against the fakes.
type process struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan error
}

// writeConfigFile writes h's configuration as a YAML file, secrets as
// ${VAR} references, and returns its path.
func (h *harness) writeConfigFile() string {
	h.t.Helper()
	dir := h.t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	body := fmt.Sprintf(`llm:
  base_url: %s
  api_key: ${TEST_LLM_KEY}
  max_retries: 0
storage:
  path: %s
fetch:
  allow_networks: [127.0.0.0/8]
  allow_ports: %v
feeds:
  defaults: []
intel:
  enabled: false
discord:
  token: ${TEST_DISCORD_TOKEN}
  api_base_url: %s
  guild_id: "%s"
`, h.llm.URL(), h.cfg.Storage.Path, h.cfg.Fetch.AllowPorts, h.dc.URL(), h.dc.GuildID())
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		h.t.Fatal(err)
	}
	return path
}

// startProcess runs `secbrief run -config cfgPath` in a child process (the
// test binary re-executing main) and waits until it is READY.
func (h *harness) startProcess(cfgPath string) *process {
	h.t.Helper()
	readies := h.dc.Readies()
	p := h.spawnProcess(cfgPath)
	h.wait("process ready", func() bool { return h.dc.Readies() > readies })
	h.wait("commands registered by the process", func() bool { return len(h.dc.Commands(h.dc.GuildID())) > 0 })
	return p
}

// spawnProcess starts `secbrief run -config cfgPath` in a child process
// (the test binary re-executing main) with the test secrets in its
// environment, env (KEY=value) added or overriding, and returns without
// waiting for anything; the process is killed when the test ends.
func (h *harness) spawnProcess(cfgPath string, env ...string) *process {
	h.t.Helper()
	exe, err := os.Executable()
	if err != nil {
		h.t.Fatal(err)
	}
	p := &process{cmd: exec.Command(exe, "run", "-config", cfgPath), out: &syncBuffer{}, exited: make(chan error, 1)}
	p.cmd.Env = append(os.Environ(), "SECBRIEF_TEST_MAIN=1", "TEST_LLM_KEY="+sentinelLLMKey, "TEST_DISCORD_TOKEN="+sentinelDiscordToken)
	p.cmd.Env = append(p.cmd.Env, env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	h.t.Cleanup(func() { p.cmd.Process.Kill() })
	return p
}

// TestRunExitsZeroOnSIGTERM runs `secbrief run` as a real process against
// the fakes, leaves a slow summary in flight, sends SIGTERM and expects
// exit status 0 within 10 s, with the user told what happened.
func TestRunExitsZeroOnSIGTERM(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.llm.SetLatency(time.Minute)
	p := h.startProcess(h.writeConfigFile())
	cmd, exited, stderr := p.cmd, p.exited, p.out
	d := h.dispatch(fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", h.site.URL+"/advisory")))
	h.wait("summary in flight", func() bool { return h.llm.Calls() == 1 })

	begin := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("still running 20 s after SIGTERM\n%s", stderr.String())
	}
	if took := time.Since(begin); took > 10*time.Second {
		t.Errorf("exit took %v after SIGTERM, over 10 s", took)
	}
	// The interrupted user got an ephemeral explanation.
	h.wait("interrupted user told", func() bool {
		st, _ := h.dc.Interaction(d.ID)
		return len(st.Followups) > 0
	})
	st, _ := h.dc.Interaction(d.ID)
	if msg := finalText(st); !msg.ephemeral || !strings.Contains(msg.text, "restarting") {
		t.Errorf("interrupted user saw %+v", msg)
	}
	for _, s := range []string{sentinelDiscordToken, sentinelLLMKey, d.Token} {
		if bytes.Contains([]byte(stderr.String()), []byte(s)) {
			t.Errorf("process output holds the secret %q", s)
		}
	}
}

// TestRunFailsClearlyWhenDiscordRefusesTheSession: with the Message
// Content intent requested but not allowed (close code 4014), `secbrief
// run` exits non-zero with a hint instead of hanging.
func TestRunFailsClearlyWhenDiscordRefusesTheSession(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.dc = fakediscord.New(t, fakediscord.Options{Token: sentinelDiscordToken, DisallowedIntents: 1 << 15})
	h.cfg.Discord.APIBaseURL = h.dc.URL()
	h.cfg.Discord.GuildID = h.dc.GuildID()
	path := h.writeConfigFile()
	cfg, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(cfg, "  message_content_intent: true\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	done := make(chan int, 1)
	getenv := func(k string) string {
		return map[string]string{"TEST_LLM_KEY": sentinelLLMKey, "TEST_DISCORD_TOKEN": sentinelDiscordToken}[k]
	}
	go func() {
		done <- run(context.Background(), []string{"run", "-config", path}, strings.NewReader(""), &out, &errOut, getenv)
	}()
	select {
	case code := <-done:
		if code != 1 || !strings.Contains(errOut.String(), "4014") || !strings.Contains(errOut.String(), "Message Content Intent") {
			t.Fatalf("exit %d, stderr:\n%s", code, errOut.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("secbrief run hangs when Discord refuses the session")
	}
}
