package main

import (
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// runVersion prints the version, the commit and the Go version the binary
// was built with, from its build information.
func runVersion(args []string, e env) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.Usage = flagUsage(fs, "version")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = nil
	}
	_, err := fmt.Fprint(e.stdout, versionText(info))
	return err
}

// versionText renders build information as three lines: the module
// version (a tag for `go install …@v1.2.3`, a pseudo-version or "(devel)"
// for a build from a checkout), the commit, and the Go version. A build
// without VCS data (-buildvcs=false, a source tree without .git, go run)
// has no commit, and says so. A nil info (a binary without build
// information) still names the Go version of the running binary.
func versionText(info *debug.BuildInfo) string {
	version, goVersion := "(unknown)", runtime.Version()
	vcs := map[string]string{}
	if info != nil {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		if info.GoVersion != "" {
			goVersion = info.GoVersion
		}
		for _, s := range info.Settings {
			vcs[s.Key] = s.Value
		}
	}
	commit := "commit unknown (built without version control data)"
	if rev := vcs["vcs.revision"]; rev != "" {
		var notes []string
		if t := vcs["vcs.time"]; t != "" {
			notes = append(notes, t)
		}
		if vcs["vcs.modified"] == "true" {
			notes = append(notes, "modified")
		}
		commit = "commit " + rev
		if len(notes) > 0 {
			commit += " (" + strings.Join(notes, ", ") + ")"
		}
	}
	return fmt.Sprintf("secbrief %s\n%s\n%s %s/%s\n", version, commit, goVersion, runtime.GOOS, runtime.GOARCH)
}
