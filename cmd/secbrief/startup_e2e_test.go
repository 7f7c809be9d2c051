package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakediscord"
	"github.com/secbrief/secbrief/internal/loopback"
)

// startupGuard bounds the waits of the start-up tests: a failure guard,
// never reached when they pass.
const startupGuard = 30 * time.Second

// configAt writes h's configuration file with discord.api_base_url origin.
func (h *harness) configAt(origin string) string {
	h.t.Helper()
	path := h.writeConfigFile()
	body, err := os.ReadFile(path)
	if err != nil {
		h.t.Fatal(err)
	}
	body = bytes.Replace(body, []byte("api_base_url: "+h.dc.URL()), []byte("api_base_url: "+origin), 1)
	if err := os.WriteFile(path, body, 0o600); err != nil {
		h.t.Fatal(err)
	}
	return path
}

// TestRunRejectsInvalidToken: `secbrief run` with a token Discord rejects,
// by 401 on GET /gateway/bot or by close code 4004 on IDENTIFY, exits 1 at
// once saying discord.token is invalid, and never prints the token.
func TestRunRejectsInvalidToken(t *testing.T) {
	t.Parallel()
	const badToken = "rejected-discord-token-41d2c8"
	cases := []struct {
		name       string
		origin     func(*fakediscord.Server) string
		identifies int
	}{
		{name: "401 on gateway/bot", origin: (*fakediscord.Server).URL},
		{name: "4004 on identify", origin: func(s *fakediscord.Server) string { return s.GatewayFront(t) }, identifies: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			path := h.configAt(tc.origin(h.dc))
			getenv := func(k string) string {
				return map[string]string{"TEST_LLM_KEY": sentinelLLMKey, "TEST_DISCORD_TOKEN": badToken}[k]
			}
			var out, errOut syncBuffer
			done := make(chan int, 1)
			go func() {
				done <- run(t.Context(), []string{"run", "-config", path}, strings.NewReader(""), &out, &errOut, getenv)
			}()
			var code int
			select {
			case code = <-done:
			case <-time.After(startupGuard):
				t.Fatalf("secbrief run keeps going with a rejected token:\n%s", errOut.String())
			}
			stderr := errOut.String()
			if code != 1 || !strings.Contains(stderr, "secbrief run: discord.token is invalid") {
				t.Fatalf("exit %d, stderr:\n%s", code, stderr)
			}
			if strings.Contains(stderr+out.String(), badToken) {
				t.Errorf("the token is printed:\n%s", stderr)
			}
			if n := len(h.dc.Identifies()); n != tc.identifies {
				t.Errorf("%d IDENTIFYs, want %d", n, tc.identifies)
			}
			if strings.Contains(stderr, "connection lost") {
				t.Errorf("a refused session is called a lost connection:\n%s", stderr)
			}
		})
	}
}

// TestRunRetriesUnreachableDiscordUntilSIGTERM runs `secbrief run` as a
// process with nothing listening at discord.api_base_url: it reports a
// network problem at that URL (not discord.com), keeps trying (the second
// attempt follows the first without a wait), and exits 0 on SIGTERM.
func TestRunRetriesUnreachableDiscordUntilSIGTERM(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	origin := "http://" + loopback.ClosedAddr(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "run", "-config", h.configAt(origin))
	cmd.Env = append(os.Environ(), "SECBRIEF_TEST_MAIN=1", "TEST_LLM_KEY="+sentinelLLMKey, "TEST_DISCORD_TOKEN="+sentinelDiscordToken)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	h.wait("a second attempt", func() bool { return strings.Contains(out.String(), " attempt=2 ") })

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, out.String())
		}
	case <-time.After(startupGuard):
		t.Fatalf("still running after SIGTERM\n%s", out.String())
	}
	log := out.String()
	dialled := origin + "/api/v9/gateway/bot"
	attempts := regexp.MustCompile(`msg="gateway connection attempt failed".* attempt=(\d+) `).FindAllStringSubmatch(log, -1)
	if len(attempts) < 2 {
		t.Fatalf("%d attempts logged, want 2 or more:\n%s", len(attempts), log)
	}
	for i, a := range attempts {
		if want := strconv.Itoa(i + 1); a[1] != want {
			t.Errorf("attempt line %d numbered %s: each attempt must be logged once, in order", i+1, a[1])
		}
		if !strings.Contains(a[0], "network problem") || !strings.Contains(a[0], dialled) {
			t.Errorf("attempt not reported as a network problem at %s:\n%s", dialled, a[0])
		}
	}
	for _, bad := range []string{"discord.com", "check discord.token", "connection lost", sentinelDiscordToken} {
		if strings.Contains(log, bad) {
			t.Errorf("the output says %q:\n%s", bad, log)
		}
	}
}

// TestNoLostConnectionCountedBeforeConnecting: while Discord is unreachable
// the metrics count failed attempts, and no lost connection.
func TestNoLostConnectionCountedBeforeConnecting(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.cfg.Discord.APIBaseURL = "http://" + loopback.ClosedAddr(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	a, err := openApp(ctx, h.cfg, newLogger(h.cfg, h.logs))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, dg, err := a.newBot()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.serveBot(ctx, b, dg) }()
	h.wait("a second attempt", func() bool { return strings.Contains(h.logs.String(), " attempt=2 ") })
	rec := httptest.NewRecorder()
	a.metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	if strings.Contains(body, `secbrief_gateway_events_total{event="lost"}`) {
		t.Errorf("a lost connection is counted before any connection:\n%s", body)
	}
	if !regexp.MustCompile(`secbrief_gateway_events_total\{event="failed"\} [2-9]`).MatchString(body) {
		t.Errorf("the failed attempts are not counted:\n%s", body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serveBot after cancel = %v, want nil", err)
		}
	case <-time.After(startupGuard):
		t.Fatal("serveBot did not return after its context ended")
	}
}
