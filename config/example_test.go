package config

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

const examplePath = "../config.example.yaml"

// keyPaths lists the YAML key path of every field of t, depth first;
// fields of list elements are written "digest.channels[].timezone".
func keyPaths(t reflect.Type, prefix string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		path := prefix + name
		out = append(out, path)
		ft := f.Type
		switch {
		case ft.Kind() == reflect.Struct:
			out = append(out, keyPaths(ft, path+".")...)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			out = append(out, keyPaths(ft.Elem(), path+"[].")...)
		}
	}
	return out
}

// exampleKeys returns the key paths set in the example file (not comments).
func exampleKeys(t *testing.T, data []byte) map[string]bool {
	t.Helper()
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, doc := range file.Docs {
		for _, n := range ast.Filter(ast.MappingValueType, doc.Body) {
			keys[strings.TrimPrefix(n.GetPath(), "$.")] = true
		}
	}
	return keys
}

func TestExampleLoadsAndValidates(t *testing.T) {
	env := envOf(map[string]string{"OPENAI_API_KEY": "sk-example", "DISCORD_TOKEN": "discord-example"})
	c, err := Load(examplePath, env)
	if err != nil {
		t.Fatalf("Load(%s): %v", examplePath, err)
	}
	if err := c.Validate(NeedLLM, NeedDiscord); err != nil {
		t.Fatalf("example does not validate: %v", err)
	}
	if c.LLM.APIKey.Value() != "sk-example" || c.Discord.Token.Value() != "discord-example" {
		t.Errorf("secrets not taken from the environment")
	}
	if len(c.Feeds.Defaults) < 5 {
		t.Errorf("example ships %d default feeds, want a curated list", len(c.Feeds.Defaults))
	}
	// The example states the defaults: apart from the secrets, loading it
	// must give Default(), the curated feeds included.
	c.LLM.APIKey, c.Discord.Token = "", ""
	want := Default()
	want.Fetch.AllowNetworks, want.Fetch.AllowPorts, want.Digest.Channels = []string{}, []int{}, []DigestChannel{}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("example differs from Default():\nexample:\n%v\nDefault:\n%v", c, want)
	}
}

func TestExampleDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	keys := exampleKeys(t, data)
	lines := strings.Split(text, "\n")
	for _, path := range keyPaths(reflect.TypeFor[Config](), "") {
		if parent, leaf, inList := strings.Cut(path, "[]."); inList {
			// List elements are shown in a commented example.
			if !keys[parent] || !regexp.MustCompile(`(?m)^\s*#.*\b`+regexp.QuoteMeta(leaf)+`:`).MatchString(text) {
				t.Errorf("%s is not documented in %s", path, examplePath)
			}
			continue
		}
		if !keys[path] {
			t.Errorf("%s is not set in %s", path, examplePath)
			continue
		}
		if !commented(lines, path) {
			t.Errorf("%s has no comment above it in %s", path, examplePath)
		}
	}
	for k := range keys {
		if !strings.Contains(k, "[") && !slices.Contains(keyPaths(reflect.TypeFor[Config](), ""), k) {
			t.Errorf("%s in the example is not a Config key", k)
		}
	}
}

// commented reports whether the line setting path (section.key) in its
// section has a comment above it, directly or above the group of scalar
// keys it belongs to (shard_id and shard_count share one comment).
func commented(lines []string, path string) bool {
	section, leaf, ok := strings.Cut(path, ".")
	if !ok {
		return true // sections are named by their keys' comments
	}
	start := slices.Index(lines, section+":")
	if start < 0 {
		return false
	}
	re := regexp.MustCompile(`^\s+` + regexp.QuoteMeta(leaf) + `:`)
	for i := start + 1; i < len(lines); i++ {
		l := lines[i]
		if l != "" && l[0] != ' ' && l[0] != '#' {
			return false // next section
		}
		if !re.MatchString(l) {
			continue
		}
		for j := i - 1; j > start; j-- {
			trimmed := strings.TrimSpace(lines[j])
			switch {
			case strings.HasPrefix(trimmed, "#"):
				return true
			case sameGroup(trimmed, leaf):
				continue // e.g. shard_id above shard_count
			default:
				return false
			}
		}
		return false
	}
	return false
}

// sameGroup reports whether line sets a key of leaf's group: one whose name
// starts with the same word, as shard_id and shard_count do.
func sameGroup(line, leaf string) bool {
	key, _, ok := strings.Cut(line, ":")
	word, _, _ := strings.Cut(leaf, "_")
	return ok && key != leaf && strings.HasPrefix(key, word+"_")
}
