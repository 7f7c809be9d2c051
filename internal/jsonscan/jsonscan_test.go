package jsonscan

import (
	"errors"
	"strings"
	"testing"
)

// TestMembers: members come in order with their raw values, nested ones
// untouched, and fn's error stops the walk.
func TestMembers(t *testing.T) {
	var got []string
	err := Members([]byte(` {"a": 1, "b":{"c":[2,"}"]}, "d":"e"} `), func(k string, v []byte) error {
		got = append(got, k+"="+string(v))
		return nil
	})
	if want := []string{`a=1`, `b={"c":[2,"}"]}`, `d="e"`}; err != nil || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Members = %q, %v; want %q", got, err, want)
	}
	stop := errors.New("stop")
	n := 0
	if err := Members([]byte(`{"a":1,"b":2}`), func(string, []byte) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("Members after fn's error: %v after %d calls, want stop after 1", err, n)
	}
}

func TestMembersMalformed(t *testing.T) {
	for _, in := range []string{``, `[]`, `null`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":1 "b":2}`, `{"a":"b`, `{"a":{"b":1}`, `{} x`} {
		if err := Members([]byte(in), func(string, []byte) error { return nil }); !errors.Is(err, ErrMalformed) {
			t.Errorf("Members(%q) = %v, want ErrMalformed", in, err)
		}
	}
}
