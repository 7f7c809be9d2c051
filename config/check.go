package config

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// Report is everything Check found in a configuration.
type Report struct {
	// Problems make the configuration unusable for the command: syntax,
	// unknown keys, types and formats, and the values Validate refuses. A
	// problem found in the file is a *FileError with its line; one about a
	// key the file leaves out is a *FieldError. They are in file order,
	// those without a line last.
	Problems []error
	// Warnings are worth knowing but change nothing: a ${VAR} that is
	// unset and has no default, in a key the command uses.
	Warnings []*Warning
}

// Err returns the problems joined, or nil when there are none.
func (r Report) Err() error { return errors.Join(r.Problems...) }

// Warning is a ${VAR} reference, without a default, to a variable that is
// unset or empty: its key got no value.
type Warning struct {
	// File and Line locate the reference.
	File string
	Line int
	// Key is the dotted key path the reference is in.
	Key string
	// Var is the variable's name.
	Var string
}

// Error reads like "config.yaml line 3: llm.api_key: ${OPENAI_API_KEY} is
// not set and has no default, so the key is empty".
func (w *Warning) Error() string {
	fe := FileError{File: w.File, Line: w.Line, Key: w.Key,
		Msg: fmt.Sprintf("${%s} is not set and has no default, so the key is empty", w.Var)}
	return fe.Error()
}

// Check loads the file at path like Load and validates the result for
// needs like Validate, reporting every problem of both at once: a bad
// value does not hide the next one, and each problem found in the file
// carries its line. A ${VAR} that is unset and has no default is a
// warning when the command uses its key, and makes the key's problem name
// the variable when the command requires the key. The error is for a file
// that cannot be read.
func Check(path string, getenv func(string) string, needs ...Need) (Config, Report, error) {
	cfg, doc, err := load(path, getenv)
	if err != nil {
		return Config{}, Report{}, err
	}
	var rep Report
	rep.Problems = append(rep.Problems, doc.errs...)
	lines := keyLines(doc.body)
	unset := doc.unsetKeys()
	for _, e := range unjoin(cfg.Validate(needs...)) {
		fe, ok := e.(*FieldError)
		if !ok {
			rep.Problems = append(rep.Problems, e)
			continue
		}
		msg := fe.Msg
		if w, ok := unset[fe.Key]; ok {
			msg = fmt.Sprintf("${%s} is not set and has no default; %s", w.Var, msg)
			delete(unset, fe.Key)
		}
		line, inFile := lines[fe.Key]
		if !inFile {
			rep.Problems = append(rep.Problems, &FieldError{Key: fe.Key, Msg: doc.exp.scrub(msg)})
			continue
		}
		rep.Problems = append(rep.Problems, &FileError{File: doc.name, Line: line, Key: fe.Key, Msg: doc.exp.scrub(msg)})
	}
	slices.SortStableFunc(rep.Problems, func(a, b error) int { return cmp.Compare(problemLine(a), problemLine(b)) })
	for _, w := range unset {
		if uses(needs, w.Key) && applies(cfg, w.Key) && !filledFromEnv(cfg, w.Key) {
			rep.Warnings = append(rep.Warnings, w)
		}
	}
	slices.SortFunc(rep.Warnings, func(a, b *Warning) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), strings.Compare(a.Key, b.Key))
	})
	return cfg, rep, nil
}

// unjoin returns the errors joined in err (by errors.Join), or err alone.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// problemLine orders problems by line, those without one last.
func problemLine(err error) int {
	var fe *FileError
	if errors.As(err, &fe) && fe.Line > 0 {
		return fe.Line
	}
	return int(^uint(0) >> 1)
}

// uses reports whether a command with needs reads key: the Discord side
// (discord.*, limits.*, metrics.*, digest.channels) only matters to one
// that connects to Discord, llm.* only to one that calls the LLM, the rest
// to every command.
func uses(needs []Need, key string) bool {
	under := func(prefixes ...string) bool {
		for _, p := range prefixes {
			if key == p || strings.HasPrefix(key, p+".") || strings.HasPrefix(key, p+"[") {
				return true
			}
		}
		return false
	}
	switch {
	case under("discord", "limits", "metrics", "digest.channels"):
		return slices.Contains(needs, NeedDiscord)
	case under("llm"):
		return slices.Contains(needs, NeedLLM) || slices.Contains(needs, NeedDiscord)
	}
	return true
}

// applies reports whether key means anything with the rest of cfg:
// storage.dsn only with storage.driver postgres (Validate refuses it set
// otherwise), so an unset ${DATABASE_URL} there is no news to an SQLite
// user.
func applies(cfg Config, key string) bool {
	if key == "storage.dsn" {
		return cfg.Storage.Postgres()
	}
	return true
}

// filledFromEnv reports whether key is a secret Load filled from its
// conventional variable after the file's reference left it empty.
func filledFromEnv(cfg Config, key string) bool {
	switch key {
	case "llm.api_key":
		return cfg.LLM.APIKey != ""
	case "discord.token":
		return cfg.Discord.Token != ""
	}
	return false
}

// unsetKeys maps each key holding an unset ${VAR} without default to the
// warning about it (the first, when a key holds several).
func (d document) unsetKeys() map[string]*Warning {
	out := map[string]*Warning{}
	if d.body == nil {
		return out
	}
	spots := nodeSpots(d.body)
	for _, s := range d.exp.subs {
		if !s.unset {
			continue
		}
		key := keyBefore(spots, s.line, s.column)
		if _, seen := out[key]; key == "" || seen {
			continue
		}
		out[key] = &Warning{File: d.name, Line: s.line, Key: key, Var: s.name()}
	}
	return out
}

// spot is where a node of the document starts, and its key path.
type spot struct {
	line, column int
	key          string
}

// nodeSpots lists where every node of body starts, in document order.
func nodeSpots(body ast.Node) []spot {
	var out []spot
	ast.Walk(visitFunc(func(n ast.Node) bool {
		if tok := n.GetToken(); tok != nil && tok.Position != nil {
			key := strings.TrimPrefix(strings.TrimPrefix(n.GetPath(), "$"), ".")
			out = append(out, spot{line: tok.Position.Line, column: tok.Position.Column, key: key})
		}
		return true
	}), body)
	return out
}

// keyBefore returns the key of the last node that starts at or before
// line and column: the key whose value a substitution there is part of.
func keyBefore(spots []spot, line, column int) string {
	best, key := spot{}, ""
	for _, s := range spots {
		if s.line > line || (s.line == line && s.column > column) {
			continue
		}
		if s.line > best.line || (s.line == best.line && s.column >= best.column) {
			best, key = s, s.key
		}
	}
	return key
}

// keyLines maps every key path of body (entries and list elements) to the
// line it starts on.
func keyLines(body ast.Node) map[string]int {
	out := map[string]int{}
	if body == nil {
		return out
	}
	for _, s := range nodeSpots(body) {
		if _, seen := out[s.key]; !seen && s.key != "" {
			out[s.key] = s.line
		}
	}
	return out
}
