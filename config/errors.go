package config

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// FileError is a problem at one place of a configuration file: a YAML
// syntax error, an unknown key, a value of the wrong type.
type FileError struct {
	// File is the path the configuration was read from.
	File string
	// Line and Column are 1-based; Line is 0 when the position is unknown.
	Line, Column int
	// Key is the dotted key path, e.g. "digest.channels[0].timezone", when
	// known.
	Key string
	// Msg says what is wrong; it never holds a value substituted from the
	// environment.
	Msg string
}

// Error formats the problem as "FILE line N, column M: KEY: MSG", leaving
// out what is unknown.
func (e *FileError) Error() string {
	var parts []string
	if e.File != "" {
		parts = append(parts, e.File)
	}
	if e.Line > 0 {
		pos := fmt.Sprintf("line %d", e.Line)
		if e.Column > 0 {
			pos += fmt.Sprintf(", column %d", e.Column)
		}
		parts = append(parts, pos)
	}
	s := strings.Join(parts, " ")
	if s != "" {
		s += ": "
	}
	if e.Key != "" {
		s += e.Key + ": "
	}
	return s + e.Msg
}

// FieldError is one invalid setting found by Validate.
type FieldError struct {
	// Key is the dotted key path, e.g. "llm.concurrency".
	Key string
	// Msg says what is wrong and what is expected; it never holds a secret.
	Msg string
}

// Error formats the problem as "KEY: MSG".
func (e *FieldError) Error() string { return e.Key + ": " + e.Msg }

// nodeError is a positioned decode error from this package's unmarshalers.
// It satisfies yaml.Error so that Load handles it like the library's own.
type nodeError struct {
	msg string
	tok *token.Token
}

var _ yaml.Error = (*nodeError)(nil)

func nodeErrorf(node ast.Node, format string, args ...any) error {
	return &nodeError{msg: fmt.Sprintf(format, args...), tok: node.GetToken()}
}

func (e *nodeError) Error() string          { return e.FormatError(false, false) }
func (e *nodeError) GetToken() *token.Token { return e.tok }
func (e *nodeError) GetMessage() string     { return e.msg }
func (e *nodeError) FormatError(colored, inclSource bool) string {
	return yaml.FormatErrorWithToken(e.msg, e.tok, colored, inclSource)
}

// yamlMessage rewrites the library's messages that speak Go ("cannot
// unmarshal string into Go struct field C.L of type int") into YAML terms.
func yamlMessage(err yaml.Error) string {
	switch e := err.(type) {
	case *yaml.TypeError:
		return fmt.Sprintf("expected %s, got %s", kindName(e.DstType), kindName(e.SrcType))
	case *yaml.OverflowError:
		return fmt.Sprintf("%s is out of range for %s", e.SrcNum, kindName(e.DstType))
	case *yaml.UnknownFieldError:
		return "unknown key"
	case *yaml.UnexpectedNodeTypeError:
		return fmt.Sprintf("expected %s, got %s", e.Expected.YAMLName(), e.Actual.YAMLName())
	}
	return err.GetMessage()
}

// kindName names a Go type the way a YAML author thinks of it.
func kindName(t reflect.Type) string {
	if t == nil {
		return "nothing"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return t.String()
}
