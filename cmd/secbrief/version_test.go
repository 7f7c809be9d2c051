package main

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionText(t *testing.T) {
	platform := runtime.GOOS + "/" + runtime.GOARCH
	tests := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"tagged build with VCS data", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.4.0"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}, {Key: "vcs.modified", Value: "false"}}},
			"secbrief v1.4.0\ncommit 0123456789abcdef (2026-12-01T10:00:00Z)\ngo1.26.0 " + platform + "\n"},
		{"modified checkout", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "true"}}},
			"secbrief (devel)\ncommit abc (modified)\ngo1.26.0 " + platform + "\n"},
		{"no VCS data", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}},
			"secbrief (devel)\ncommit unknown (built without version control data)\ngo1.26.0 " + platform + "\n"},
		{"no build information", nil,
			"secbrief (unknown)\ncommit unknown (built without version control data)\n" + runtime.Version() + " " + platform + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionText(tt.info); got != tt.want {
				t.Errorf("versionText =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestVersionCommand runs `secbrief version` and `secbrief -version` as
// processes: both print the binary's own build information.
func TestVersionCommand(t *testing.T) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		t.Skip("test binary without build information")
	}
	want := versionText(info)
	for _, args := range [][]string{{"version"}, {"-version"}, {"--version"}} {
		code, out, errOut := runProcess(t, "", args...)
		if code != 0 || out != want || errOut != "" {
			t.Errorf("secbrief %s: exit %d, stdout %q, stderr %q; want stdout %q", args[0], code, out, errOut, want)
		}
		if !strings.Contains(out, runtime.Version()) || !strings.Contains(out, "\ncommit ") {
			t.Errorf("secbrief %s does not name the Go version and the commit: %q", args[0], out)
		}
	}
	if code, _, errOut := runProcess(t, "", "version", "extra"); code != 2 || !strings.Contains(errOut, "usage: secbrief version") {
		t.Errorf("version with an argument: exit %d, stderr %q", code, errOut)
	}
}
