package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/secbrief/secbrief/internal/jsonscan"
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
	err := jsonscan.Members(data, func(key string, val []byte) error { return f.set(key, val) })
	if errors.Is(err, jsonscan.ErrMalformed) {
		err = fmt.Errorf("%w: %w", errEnvelope, err)
	}
	return f, err
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
