package config

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// EnvConfig names the environment variable that gives the configuration
// file when no -config flag does.
const EnvConfig = "SECBRIEF_CONFIG"

// Resolve returns the configuration file to load: flagPath when set, else
// $SECBRIEF_CONFIG, else "" (no file: defaults and environment only). No
// file is looked for implicitly, so what runs is always what was named.
func Resolve(flagPath string, getenv func(string) string) string {
	if flagPath != "" {
		return flagPath
	}
	if getenv == nil {
		return ""
	}
	return getenv(EnvConfig)
}

// Load reads the YAML file at path over Default, then fills the secrets
// left empty from the environment: llm.api_key from OPENAI_API_KEY and
// discord.token from DISCORD_TOKEN. With path "" no file is read. getenv is
// usually os.Getenv; nil means an empty environment. Load checks syntax,
// keys and types (errors are *FileError, with the line); call Validate for
// the values.
func Load(path string, getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	cfg := Default()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("read config: %w", err)
		}
		if cfg, err = Parse(path, data, getenv); err != nil {
			return Config{}, err
		}
	}
	cfg.fillFromEnv(getenv)
	return cfg, nil
}

// Parse decodes a configuration file's content over Default after ${VAR}
// expansion (see Expand). Unknown keys, type errors, several documents and
// syntax errors are reported as *FileError naming name, the line and the key.
// Parse does not fill secrets from the environment; Load does.
func Parse(name string, data []byte, getenv func(string) string) (Config, error) {
	cfg := Default()
	exp, err := expand(string(data), getenv)
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			fe.File = name
		}
		return Config{}, err
	}
	file, err := parser.ParseBytes([]byte(exp.text), 0)
	if err != nil {
		return Config{}, fileError(name, err, nil, exp)
	}
	var body ast.Node
	for _, doc := range file.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		if body != nil {
			return Config{}, fileError(name, &nodeError{msg: "only one YAML document is allowed", tok: doc.Body.GetToken()}, nil, exp)
		}
		body = doc.Body
	}
	if body == nil {
		return cfg, nil // empty, or comments only
	}
	if err := yaml.NodeToValue(body, &cfg, yaml.Strict()); err != nil {
		return Config{}, fileError(name, err, body, exp)
	}
	for i := range cfg.Digest.Channels {
		if cfg.Digest.Channels[i].Timezone == "" {
			cfg.Digest.Channels[i].Timezone = "UTC"
		}
	}
	return cfg, nil
}

// fillFromEnv fills the secrets the file left empty from the conventional
// environment variables.
func (c *Config) fillFromEnv(getenv func(string) string) {
	if c.LLM.APIKey == "" {
		c.LLM.APIKey = Secret(strings.TrimSpace(getenv("OPENAI_API_KEY")))
	}
	if c.Discord.Token == "" {
		c.Discord.Token = Secret(strings.TrimSpace(getenv("DISCORD_TOKEN")))
	}
}

// fileError turns a go-yaml error into a *FileError with the position, the
// key path found in the document body, and no substituted value.
func fileError(name string, err error, body ast.Node, exp expansion) error {
	fe := &FileError{File: name, Msg: err.Error()}
	var ye yaml.Error
	if errors.As(err, &ye) {
		fe.Msg = yamlMessage(ye)
		if tok := ye.GetToken(); tok != nil && tok.Position != nil {
			fe.Line, fe.Column = tok.Position.Line, tok.Position.Column
			if body != nil {
				fe.Key = keyAt(body, tok.Position)
			}
		}
	}
	if exp.substitutedOn(fe.Line) {
		fe.Column = 0 // columns of the expanded text are not the file's
	}
	fe.Msg = exp.scrub(fe.Msg)
	fe.Key = exp.scrub(fe.Key)
	return fe
}

// keyAt returns the dotted key path of the node whose token starts at pos:
// the key of a mapping entry, its value, or a list element.
func keyAt(body ast.Node, pos *token.Position) string {
	f := &pathFinder{line: pos.Line, column: pos.Column}
	ast.Walk(f, body)
	return strings.TrimPrefix(strings.TrimPrefix(f.path, "$"), ".")
}

// pathFinder is an ast.Visitor that finds the path at one position,
// preferring a mapping entry (whose key or value starts there) over any
// other node that starts at the same place.
type pathFinder struct {
	line, column int
	path         string
	exact        bool
}

func (f *pathFinder) at(n ast.Node) bool {
	if n == nil || n.GetToken() == nil || n.GetToken().Position == nil {
		return false
	}
	p := n.GetToken().Position
	return p.Line == f.line && p.Column == f.column
}

// Visit implements ast.Visitor.
func (f *pathFinder) Visit(n ast.Node) ast.Visitor {
	if f.exact {
		return nil
	}
	if mv, ok := n.(*ast.MappingValueNode); ok && (f.at(mv.Key) || f.at(mv.Value)) {
		f.path, f.exact = mv.GetPath(), true
		return nil
	}
	if f.path == "" && f.at(n) {
		f.path = n.GetPath()
	}
	return f
}

// String returns the configuration as YAML with secrets redacted, fit for
// printing or logging.
func (c Config) String() string {
	out, err := yaml.Marshal(c)
	if err != nil {
		return fmt.Sprintf("config: %v", err)
	}
	return string(out)
}
