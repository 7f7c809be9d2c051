package config

import (
	"fmt"
	"strings"
)

// substitution records one ${VAR} replaced by Expand, so that error messages
// can show the reference instead of the value.
type substitution struct {
	ref   string // the text as written, e.g. "${OPENAI_API_KEY}"
	value string
	line  int
	// column is where the value starts in the expanded line (1-based),
	// which locates its key in the parsed document.
	column int
	// unset: the variable was empty or unset and had no ":-" default, so
	// the key got nothing (Check warns about it).
	unset bool
}

// name returns the variable's name, e.g. "OPENAI_API_KEY".
func (s substitution) name() string {
	name, _, _ := strings.Cut(s.ref[2:len(s.ref)-1], ":-")
	return name
}

// expansion is the result of expanding one file.
type expansion struct {
	text string
	subs []substitution
}

// Expand replaces every ${NAME} in text with getenv(NAME), and ${NAME:-word}
// with word when getenv(NAME) is empty. "$${" stands for a literal "${"; a
// "$" not followed by "{" is left as is. A value that holds a line break is
// refused, so a substitution never changes the file's structure or its line
// numbers. Expansion happens before YAML parsing, so it works in every
// position (numbers and booleans included); full-line comments are left
// alone.
func Expand(text string, getenv func(string) string) (string, error) {
	e, err := expand(text, getenv)
	return e.text, err
}

func expand(text string, getenv func(string) string) (expansion, error) {
	var (
		b         strings.Builder
		subs      []substitution
		line      = 1
		lineStart = 0
		outStart  = 0 // where the current line starts in b
	)
	b.Grow(len(text))
	for i := 0; i < len(text); {
		if i == lineStart && isCommentLine(text[i:]) {
			// Copy a full-line comment verbatim: its ${...} is documentation.
			n := strings.IndexByte(text[i:], '\n')
			if n < 0 {
				n = len(text) - i - 1
			}
			b.WriteString(text[i : i+n+1])
			i += n + 1
			line++
			lineStart = i
			outStart = b.Len()
			continue
		}
		c := text[i]
		switch {
		case c == '\n':
			line++
			lineStart = i + 1
			outStart = b.Len() + 1
		case c == '$' && strings.HasPrefix(text[i:], "$${"):
			b.WriteString("${")
			i += 3
			continue
		case c == '$' && strings.HasPrefix(text[i:], "${"):
			end := strings.IndexAny(text[i+2:], "}\n")
			if end < 0 || text[i+2+end] != '}' {
				return expansion{}, &FileError{Line: line, Column: i - lineStart + 1,
					Msg: "unterminated ${ (write $${ for a literal ${)"}
			}
			ref := text[i : i+2+end+1]
			name, def, hasDef := strings.Cut(ref[2:len(ref)-1], ":-")
			if !validEnvName(name) {
				return expansion{}, &FileError{Line: line, Column: i - lineStart + 1,
					Msg: fmt.Sprintf("%s: %q is not a variable name", ref, name)}
			}
			v := getenv(name)
			if v == "" && hasDef {
				v = def
			}
			if strings.ContainsAny(v, "\r\n") {
				return expansion{}, &FileError{Line: line, Column: i - lineStart + 1,
					Msg: ref + ": the value holds a line break"}
			}
			subs = append(subs, substitution{ref: ref, value: v, line: line,
				column: b.Len() - outStart + 1, unset: v == "" && !hasDef})
			b.WriteString(v)
			i += len(ref)
			continue
		}
		b.WriteByte(c)
		i++
	}
	return expansion{text: b.String(), subs: subs}, nil
}

// isCommentLine reports whether the line that starts rest is a comment.
func isCommentLine(rest string) bool {
	return strings.HasPrefix(strings.TrimLeft(rest, " \t"), "#")
}

// validEnvName reports whether name is a shell-style variable name.
func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// minScrubLen is the shortest substituted value scrub hides: shorter ones
// ("4", "true") are no secrets, and hiding them would garble messages.
const minScrubLen = 4

// scrubWindow is the length of the pieces of a value scrub looks for, so
// that part of a value (a parser quoting "abc" from "*abc") is hidden too.
const scrubWindow = 8

// scrub replaces every part of msg that shows a substituted value (any
// piece of scrubWindow bytes of it, or the whole of a shorter one) by the
// reference that produced it, so that no value taken from the environment
// (a token, a key) reaches an error message.
func (e expansion) scrub(msg string) string {
	for _, s := range e.subs {
		if len(s.value) < minScrubLen {
			continue
		}
		k := min(len(s.value), scrubWindow)
		covered := make([]bool, len(msg))
		hit := false
		for i := 0; i+k <= len(msg); i++ {
			if strings.Contains(s.value, msg[i:i+k]) {
				for j := i; j < i+k; j++ {
					covered[j] = true
				}
				hit = true
			}
		}
		if !hit {
			continue
		}
		var b strings.Builder
		for i := 0; i < len(msg); i++ {
			switch {
			case !covered[i]:
				b.WriteByte(msg[i])
			case i == 0 || !covered[i-1]:
				b.WriteString(s.ref)
			}
		}
		msg = b.String()
	}
	return msg
}

// substitutedOn reports whether a substitution happened on line, which makes
// columns of the expanded text differ from the file's.
func (e expansion) substitutedOn(line int) bool {
	for _, s := range e.subs {
		if s.line == line {
			return true
		}
	}
	return false
}
