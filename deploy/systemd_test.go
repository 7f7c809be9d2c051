package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secbrief/secbrief/config"
)

// unitFile is a systemd unit: each section's keys, with every value a key
// was given, in order.
type unitFile map[string]map[string][]string

func parseUnit(t *testing.T, text string) unitFile {
	t.Helper()
	u := unitFile{}
	section := ""
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
			u[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("secbrief.service:%d: %q is no key=value in a section", n, line)
			}
			u[section][k] = append(u[section][k], v)
		}
	}
	return u
}

// one returns the key's last value in section (systemd: the last wins).
func (u unitFile) one(section, key string) string {
	v := u[section][key]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// TestSystemdUnit checks the unit's hardening and paths: a transient user,
// a read-only system but for the state directory, where the database
// lands; the command runs `secbrief run` with the configuration in /etc.
func TestSystemdUnit(t *testing.T) {
	u := parseUnit(t, readUnit(t))
	for key, want := range map[string]string{
		"DynamicUser":     "yes",
		"StateDirectory":  "secbrief",
		"ProtectSystem":   "strict",
		"ProtectHome":     "yes",
		"PrivateTmp":      "yes",
		"NoNewPrivileges": "yes",
		"Restart":         "on-failure",
	} {
		if got := u.one("Service", key); got != want {
			t.Errorf("%s=%q, want %q", key, got, want)
		}
	}
	if v, ok := u["Service"]["CapabilityBoundingSet"]; !ok || v[len(v)-1] != "" {
		t.Errorf("CapabilityBoundingSet=%q, want empty (no capabilities)", v)
	}
	exec := strings.Fields(u.one("Service", "ExecStart"))
	if len(exec) != 2 || !path.IsAbs(exec[0]) || exec[1] != "run" {
		t.Errorf("ExecStart=%q, want /absolute/path/secbrief run", exec)
	}
	state := "/var/lib/" + u.one("Service", "StateDirectory")
	if wd := u.one("Service", "WorkingDirectory"); wd != state {
		t.Errorf("WorkingDirectory=%s, want the state directory %s (the default storage.path is relative to it)", wd, state)
	}
	// The default database path, relative, lands in the state directory:
	// the only place ProtectSystem=strict leaves writable.
	db := config.Default().Storage.Path
	if !path.IsAbs(db) {
		db = path.Join(state, db)
	}
	if !strings.HasPrefix(db, state+"/") {
		t.Errorf("storage.path %s is outside the state directory %s", db, state)
	}
	var configPath string
	for _, e := range u["Service"]["Environment"] {
		if v, ok := strings.CutPrefix(e, config.EnvConfig+"="); ok {
			configPath = v
		}
	}
	if !strings.HasPrefix(configPath, "/etc/") {
		t.Errorf("%s=%q, want a file under /etc", config.EnvConfig, configPath)
	}
	if stop := u.one("Service", "TimeoutStopSec"); stop == "" {
		t.Error("no TimeoutStopSec: secbrief stops within 10 s, systemd's default would wait 90 s for a hung one")
	}
}

// TestSystemdAnalyzeVerify runs `systemd-analyze verify` on the unit with
// ExecStart pointing at a freshly built secbrief, and its offline security
// review, where systemd-analyze is installed.
func TestSystemdAnalyzeVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed (Debian: package systemd): the unit is checked statically only (TestSystemdUnit)")
	}
	if testing.Short() {
		t.Skip("-short: not building secbrief for systemd-analyze verify")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "secbrief")
	goBin, err := exec.LookPath("go") // go test puts its own go first in PATH
	if err != nil {
		t.Skipf("no go command to build secbrief with: %v", err)
	}
	build := exec.Command(goBin, "build", "-o", bin, "../cmd/secbrief")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	text := readUnit(t)
	exec0 := strings.Fields(parseUnit(t, text).one("Service", "ExecStart"))[0]
	unit := filepath.Join(dir, "secbrief.service")
	if err := os.WriteFile(unit, []byte(strings.ReplaceAll(text, "ExecStart="+exec0, "ExecStart="+bin)), 0o644); err != nil {
		t.Fatal(err)
	}

	out, err := exec.Command(analyze, "verify", unit).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	// verify exits 0 on unknown keys and bad values, only saying so.
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "secbrief.service") {
			t.Errorf("systemd-analyze verify: %s", line)
		} else if line != "" {
			t.Logf("systemd-analyze verify: %s", line)
		}
	}

	// The exposure score (0 safe … 10 unsafe): the hardening must keep it
	// "OK" (below 2). --offline needs systemd 250 or later.
	out, err = exec.Command(analyze, "security", "--offline=yes", "--threshold=20", "--no-pager", unit).CombinedOutput()
	switch {
	case err != nil && strings.Contains(string(out), "unrecognized option"):
		t.Logf("systemd-analyze security --offline unsupported here: %s", out)
	case err != nil:
		t.Errorf("systemd-analyze security: exposure above 2.0 or failure: %v\n%s", err, exposure(string(out)))
	default:
		t.Log(exposure(string(out)))
	}
}

func readUnit(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("secbrief.service")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// exposure returns the overall exposure line of systemd-analyze
// security's output, or its last line.
func exposure(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, l := range lines {
		if strings.Contains(l, "Overall exposure") {
			return strings.TrimSpace(l)
		}
	}
	return lines[len(lines)-1]
}
