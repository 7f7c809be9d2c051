// Package jsonscan walks the members of a JSON object without decoding
// them: a few microseconds for an object of any size, where encoding/json
// reads it twice. Readers of large payloads use it to find the one or two
// members they need (a gateway envelope, a message's author) and leave the
// rest for the decoder of whoever handles the payload.
package jsonscan

import "errors"

// ErrMalformed is returned for data that is not a JSON object as far as
// the scan can tell.
var ErrMalformed = errors.New("malformed JSON object")

// Members calls fn with the key and raw value of each member of the JSON
// object data, in order, without decoding the values: strings and nesting
// are tracked, values are not checked (their own decoder does that). Keys
// are given as written, escapes kept. It stops at fn's first error and
// returns it.
func Members(data []byte, fn func(key string, val []byte) error) error {
	s := scanner{b: data}
	s.space()
	if !s.eat('{') {
		return ErrMalformed
	}
	s.space()
	if !s.eat('}') {
		for {
			s.space()
			key, ok := s.str()
			if !ok {
				return ErrMalformed
			}
			s.space()
			if !s.eat(':') {
				return ErrMalformed
			}
			s.space()
			start := s.i
			if !s.skip() {
				return ErrMalformed
			}
			if err := fn(string(key), data[start:s.i]); err != nil {
				return err
			}
			s.space()
			if s.eat('}') {
				break
			}
			if !s.eat(',') {
				return ErrMalformed
			}
		}
	}
	s.space()
	if s.i != len(data) {
		return ErrMalformed
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
