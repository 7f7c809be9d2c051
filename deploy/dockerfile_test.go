package deploy

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction: its keyword (upper case) and
// its arguments, continuation lines joined.
type instruction struct {
	cmd  string
	args string
	line int
}

// stage is one FROM … block of a multi-stage Dockerfile.
type stage struct {
	from, name string
	ins        []instruction
}

// parseDockerfile splits a Dockerfile into stages. It knows what the tests
// need: comments, line continuations, FROM … AS name. Instructions before
// the first FROM (ARG) go to a stage with an empty from.
func parseDockerfile(t *testing.T, text string) []stage {
	t.Helper()
	stages := []stage{{}}
	var cur strings.Builder
	start := 0
	for i, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(raw)
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if strings.HasPrefix(line, "#") { // a comment inside a continued instruction
			continue
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(cont + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		cur.Reset()
		in := instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args), line: start}
		if in.cmd == "FROM" {
			f := strings.Fields(in.args)
			st := stage{from: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			}
			stages = append(stages, st)
			continue
		}
		stages[len(stages)-1].ins = append(stages[len(stages)-1].ins, in)
	}
	if cur.Len() > 0 {
		t.Fatalf("Dockerfile ends inside a continued instruction: %q", cur.String())
	}
	return stages
}

// last returns the arguments of the stage's last cmd instruction.
func (s stage) last(cmd string) (string, bool) {
	for i := len(s.ins) - 1; i >= 0; i-- {
		if s.ins[i].cmd == cmd {
			return s.ins[i].args, true
		}
	}
	return "", false
}

// all returns the arguments of every cmd instruction of the stage.
func (s stage) all(cmd string) []string {
	var out []string
	for _, in := range s.ins {
		if in.cmd == cmd {
			out = append(out, in.args)
		}
	}
	return out
}

// execForm decodes a JSON-array (exec form) argument list.
func execForm(t *testing.T, what, args string) []string {
	t.Helper()
	var v []string
	if err := json.Unmarshal([]byte(args), &v); err != nil || len(v) == 0 {
		t.Fatalf("%s %s is not in exec form (a JSON array): signals would go to a shell, not secbrief", what, args)
	}
	return v
}

// repoFile reads a file at the repository root.
func repoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// image is what the tests learn from the Dockerfile.
type image struct {
	buildStage, runStage stage
	binary               string // where the final stage puts the binary
	user                 string
	workdir              string
	volumes              []string
	exposed              []string
}

// readImage parses the Dockerfile and checks what holds within it.
func readImage(t *testing.T) image {
	t.Helper()
	stages := parseDockerfile(t, repoFile(t, "Dockerfile"))
	if len(stages) < 3 {
		t.Fatalf("Dockerfile has %d stages, want a build stage and a runtime stage", len(stages)-1)
	}
	img := image{runStage: stages[len(stages)-1]}
	var builtAt string
	for _, st := range stages[1 : len(stages)-1] {
		for _, run := range st.all("RUN") {
			if !strings.Contains(run, "go build") {
				continue
			}
			if !regexp.MustCompile(`(^|\s)CGO_ENABLED=0\s`).MatchString(run) {
				t.Errorf("go build runs without CGO_ENABLED=0: %q", run)
			}
			if !strings.Contains(run, "./cmd/secbrief") {
				t.Errorf("go build does not build ./cmd/secbrief: %q", run)
			}
			m := regexp.MustCompile(`-o\s+(\S+)`).FindStringSubmatch(run)
			if m == nil {
				t.Fatalf("go build names no output (-o): %q", run)
			}
			builtAt, img.buildStage = m[1], st
		}
	}
	if builtAt == "" || img.buildStage.name == "" {
		t.Fatal("no named stage runs go build")
	}
	if strings.HasPrefix(img.runStage.from, "golang") {
		t.Errorf("the runtime stage is the Go toolchain image %s, want a small one", img.runStage.from)
	}
	for _, cp := range img.runStage.all("COPY") {
		f := strings.Fields(cp)
		if f[0] == "--from="+img.buildStage.name && f[len(f)-2] == builtAt {
			img.binary = f[len(f)-1]
			if strings.HasSuffix(img.binary, "/") {
				img.binary = path.Join(img.binary, path.Base(builtAt))
			}
		}
	}
	if img.binary == "" {
		t.Fatalf("the runtime stage copies no %s from stage %s", builtAt, img.buildStage.name)
	}
	img.user, _ = img.runStage.last("USER")
	img.workdir, _ = img.runStage.last("WORKDIR")
	for _, v := range img.runStage.all("VOLUME") {
		if strings.HasPrefix(v, "[") {
			img.volumes = append(img.volumes, execForm(t, "VOLUME", v)...)
		} else {
			img.volumes = append(img.volumes, strings.Fields(v)...)
		}
	}
	for _, e := range img.runStage.all("EXPOSE") {
		img.exposed = append(img.exposed, strings.Fields(e)...)
	}
	return img
}

func TestDockerfile(t *testing.T) {
	img := readImage(t)

	uid, _, _ := strings.Cut(img.user, ":")
	if uid == "" || uid == "0" || uid == "root" {
		t.Errorf("the image runs as %q, want a non-root USER", img.user)
	}
	if !regexp.MustCompile(`^[1-9][0-9]*$`).MatchString(uid) {
		t.Errorf("USER %s is not numeric: runtimes can only check a numeric user is not root", img.user)
	}
	// The data directory belongs to that user, or a new volume (which
	// copies the image's ownership) would be unwritable.
	chown := regexp.MustCompile(`--chown=(\S+)\s+\S+\s+(\S+)$`)
	owned := false
	for _, cp := range img.runStage.all("COPY") {
		if m := chown.FindStringSubmatch(cp); m != nil && m[2] == img.workdir && m[1] == img.user {
			owned = true
		}
	}
	if !owned {
		t.Errorf("no COPY --chown=%s gives %s to the runtime user", img.user, img.workdir)
	}

	if !strings.HasPrefix(img.workdir, "/") || !slices.Contains(img.volumes, img.workdir) {
		t.Errorf("WORKDIR %q is not a VOLUME %q: the default storage.path (relative) would not be on the volume", img.workdir, img.volumes)
	}

	entry, ok := img.runStage.last("ENTRYPOINT")
	if !ok {
		t.Fatal("no ENTRYPOINT")
	}
	if ep := execForm(t, "ENTRYPOINT", entry); ep[0] != img.binary {
		t.Errorf("ENTRYPOINT runs %s, the binary is copied to %s", ep[0], img.binary)
	}
	if cmd, ok := img.runStage.last("CMD"); !ok || execForm(t, "CMD", cmd)[0] != "run" {
		t.Errorf("CMD = %q, want [\"run\"]", cmd)
	}

	// The Go of the build stage is the one go.mod asks for.
	goMod := repoFile(t, "go.mod")
	want := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(goMod)
	arg := regexp.MustCompile(`(?m)^ARG GO_VERSION=(\S+)`).FindStringSubmatch(repoFile(t, "Dockerfile"))
	if want == nil || arg == nil || !strings.HasPrefix(arg[1], want[1]) {
		t.Errorf("build stage Go %v, go.mod wants %v", arg, want)
	}
}

// TestDockerignore: the build context leaves out the git history and
// anything that may hold data or secrets.
func TestDockerignore(t *testing.T) {
	lines := strings.Fields(repoFile(t, ".dockerignore"))
	for _, want := range []string{".git", "*.db", "*.db-wal", ".env", "config.yaml"} {
		if !slices.Contains(lines, want) {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
	// Nothing the build needs is left out.
	for _, need := range []string{"go.mod", "go.sum", "cmd", "storage"} {
		for _, l := range lines {
			if ok, _ := filepath.Match(l, need); ok {
				t.Errorf(".dockerignore pattern %q leaves out %s, which the build needs", l, need)
			}
		}
	}
}
