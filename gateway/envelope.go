package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// errEnvelope is returned for a payload that is not a JSON object, or not
// one with a valid envelope.
var errEnvelope = errors.New("malformed gateway payload")

// parseFrame splits a gateway payload into its envelope without decoding
// the event data: f.D is the raw "d" value, a sub-slice of data. Only the
// top level is read; "d" is skipped over by a scanner that tracks strings
// and nesting but does not check what it skips, which the event's own
// decoder does later. The reader thus spends a few microseconds on an
// event of any size, where encoding/json would read it twice.
func parseFrame(data []byte) (frame, error) {
	var f frame
	err := Members(data, func(key string, val []byte) error { return f.set(key, val) })
	return f, err
}

// Members calls fn with the key and raw value of each member of the JSON
// object data, in order, without decoding the values (see parseFrame for
// what is and is not checked). Keys are given as written, escapes kept. It
// stops at fn's first error and returns it.
func Members(data []byte, fn func(key string, val []byte) error) error {
	s := scanner{b: data}
	s.space()
	if !s.eat('{') {
		return errEnvelope
	}
	s.space()
	if !s.eat('}') {
		for {
			s.space()
			key, ok := s.str()
			if !ok {
				return errEnvelope
			}
			s.space()
			if !s.eat(':') {
				return errEnvelope
			}
			s.space()
			start := s.i
			if !s.skip() {
				return errEnvelope
			}
			if err := fn(string(key), data[start:s.i]); err != nil {
				return err
			}
			s.space()
			if s.eat('}') {
				break
			}
			if !s.eat(',') {
				return errEnvelope
			}
		}
	}
	s.space()
	if s.i != len(data) {
		return errEnvelope
	}
	return nil
}

// set stores one top-level member of the envelope.
func (f *frame) set(key string, val []byte) error {
	null := bytes.Equal(val, []byte("null"))
	switch key {
	case "op":
		if null {
			return nil // as encoding/json: null leaves a number alone
		}
		n, err := strconv.Atoi(string(val))
		if err != nil {
			return fmt.Errorf("%w: op %q", errEnvelope, val)
		}
		f.Op = n
	case "s":
		if null {
			f.S = nil
			return nil
		}
		n, err := strconv.ParseInt(string(val), 10, 64)
		if err != nil {
			return fmt.Errorf("%w: s %q", errEnvelope, val)
		}
		f.S = &n
	case "t":
		if null {
			return nil
		}
		if err := json.Unmarshal(val, &f.T); err != nil {
			return fmt.Errorf("%w: t %q", errEnvelope, val)
		}
	case "d":
		f.D = json.RawMessage(val)
	}
	return nil
}

// scanner walks JSON text.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str reads a string and returns its raw contents (escapes kept); top-level
// keys are plain ASCII.
func (s *scanner) str() ([]byte, bool) {
	if !s.eat('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			s.i += 2
		case '"':
			s.i++
			return s.b[start : s.i-1], true
		default:
			s.i++
		}
	}
	return nil, false
}

// skip moves past one value: a string, an object or array (balanced,
// strings inside tracked), or a literal or number.
func (s *scanner) skip() bool {
	if s.i >= len(s.b) {
		return false
	}
	switch s.b[s.i] {
	case '"':
		_, ok := s.str()
		return ok
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				if _, ok := s.str(); !ok {
					return false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return true
				}
			}
			s.i++
		}
		return false
	default:
		start := s.i
		for s.i < len(s.b) {
			switch c := s.b[s.i]; {
			case c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r':
				return s.i > start
			default:
				s.i++
			}
		}
		return s.i > start
	}
}
