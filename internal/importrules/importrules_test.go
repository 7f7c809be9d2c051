package importrules

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// goCommand is the go command to list packages with: the one go test put
// first in PATH, else the one of the toolchain that built the test.
func goCommand(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("no go command (not in PATH, not at %s): the import rules are not checked", p)
	}
	return p
}

// goList runs `go list -json` with args in the module and decodes the
// packages it prints.
func goList(t *testing.T, args ...string) []listed {
	t.Helper()
	cmd := exec.Command(goCommand(t), append([]string{"list", "-json"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	var pkgs []listed
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var p listed
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list %s: decode: %v", strings.Join(args, " "), err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		t.Fatalf("go list %s listed no package", strings.Join(args, " "))
	}
	return pkgs
}

// watchSources looks at every directory and Go file of the module, so that
// go test's result cache, which cannot see what the go list child process
// read, still reruns this test when a file is added, removed or edited.
func watchSources(t *testing.T) {
	t.Helper()
	root := filepath.Join("..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root: %v", err)
	}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata"):
			return filepath.SkipDir
		case !d.IsDir() && strings.HasSuffix(path, ".go"):
			_, err = os.Stat(path) // the cache keys on its size and time
		}
		return err
	})
	if err != nil {
		t.Fatalf("walk the module: %v", err)
	}
}

// TestImportRules holds the production code (non-test files, outside
// internal/fake…) to the import rules of the design, import by import.
func TestImportRules(t *testing.T) {
	watchSources(t)
	pkgs := goList(t, module+"/...")
	for _, v := range violations(pkgs) {
		t.Error(v)
	}
	// The rules mean something only while the packages they name exist.
	have := map[string]bool{}
	for _, p := range pkgs {
		have[strings.TrimPrefix(p.ImportPath, module+"/")] = true
	}
	for _, want := range []string{"bot", "commands", "render", "summarizer", "storage", "feeds", "news"} {
		if !have[want] {
			t.Errorf("go list ./... has no package %s: update the rules", want)
		}
	}
}

// TestBotCompilesNoStoreOrFeeds checks that the Discord adapter needs no
// database driver, feed parser or LLM client, even through the packages it
// imports.
func TestBotCompilesNoStoreOrFeeds(t *testing.T) {
	watchSources(t)
	root := module + "/bot"
	if c := chain(root, goList(t, "-deps", root), notUnderBot); c != "" {
		t.Errorf("bot depends on %s", c)
	}
}
