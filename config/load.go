package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
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
// keys and types, and reports every such problem (each a *FileError, with
// the line; several are joined with errors.Join); call Validate for the
// values, or Check for both at once.
func Load(path string, getenv func(string) string) (Config, error) {
	cfg, doc, err := load(path, getenv)
	if err != nil {
		return Config{}, err
	}
	if err := joinErrors(doc.errs); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// load is Load keeping the partly decoded configuration and what Check
// needs of the document. Its error is for a file that cannot be read.
func load(path string, getenv func(string) string) (Config, document, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	cfg := envDefault(getenv)
	var doc document
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return Config{}, document{}, fmt.Errorf("read config: %w", err)
		}
		cfg, doc = parse(path, data, getenv)
	}
	cfg.fillFromEnv(getenv)
	return cfg, doc, nil
}

// Parse decodes a configuration file's content over Default after ${VAR}
// expansion (see Expand). Unknown keys, type errors, several documents and
// syntax errors are reported as *FileError naming name, the line and the
// key; every unknown key and every bad value is reported, joined with
// errors.Join. Parse takes llm.base_url's default from OPENAI_BASE_URL
// but does not fill secrets from the environment; Load does.
func Parse(name string, data []byte, getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	cfg, doc := parse(name, data, getenv)
	if err := joinErrors(doc.errs); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// document is what parse learnt of a file besides the configuration.
type document struct {
	name string
	body ast.Node // nil when the file is empty or did not parse
	exp  expansion
	errs []error // *FileError, in file order
}

// parse decodes data over the environment's defaults and returns what
// decoded along with every problem found.
func parse(name string, data []byte, getenv func(string) string) (Config, document) {
	cfg := envDefault(getenv)
	doc := document{name: name}
	exp, err := expand(string(data), getenv)
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			fe.File = name
		}
		doc.errs = []error{err}
		return cfg, doc
	}
	doc.exp = exp
	file, err := parser.ParseBytes([]byte(exp.text), 0)
	if err != nil {
		doc.errs = []error{fileError(name, err, nil, exp)}
		return cfg, doc
	}
	var body ast.Node
	for _, d := range file.Docs {
		if d == nil || d.Body == nil {
			continue
		}
		if body != nil {
			doc.errs = []error{fileError(name, &nodeError{msg: "only one YAML document is allowed", tok: d.Body.GetToken()}, nil, exp)}
			return cfg, doc
		}
		body = d.Body
	}
	if body == nil {
		return cfg, doc // empty, or comments only
	}
	doc.body = body
	if err := nodeToValue(body, &cfg); err != nil {
		// The library stops at the first problem: decode again key by key
		// to find them all.
		cfg = envDefault(getenv)
		errs, ok := decodeEach(body, reflect.ValueOf(&cfg).Elem())
		if !ok || len(errs) == 0 {
			errs = []error{err}
		}
		for _, e := range errs {
			doc.errs = append(doc.errs, fileError(name, e, body, exp))
		}
	}
	for i := range cfg.Digest.Channels {
		if cfg.Digest.Channels[i].Timezone == "" {
			cfg.Digest.Channels[i].Timezone = "UTC"
		}
	}
	return cfg, doc
}

// joinErrors returns nil, the one error, or all of them joined.
func joinErrors(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// EnvBaseURL names the environment variable that gives llm.base_url's
// default, as in OpenAI's own clients.
const EnvBaseURL = "OPENAI_BASE_URL"

// envDefault is Default with llm.base_url taken from $OPENAI_BASE_URL
// when set.
func envDefault(getenv func(string) string) Config {
	cfg := Default()
	if u := strings.TrimSpace(getenv(EnvBaseURL)); u != "" {
		cfg.LLM.BaseURL = u
	}
	return cfg
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
