package config

import (
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// Duration is a time.Duration written in YAML as a Go duration string
// ("90s", "15m", "24h"). A bare 0 means zero; any other bare number is
// refused, since "60" could mean seconds or nanoseconds.
type Duration time.Duration

// Duration returns d as a time.Duration.
func (d Duration) Duration() time.Duration { return time.Duration(d) }

// String formats d as a Go duration string without zero trailing units
// ("24h" rather than "24h0m0s").
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// MarshalYAML writes d as a duration string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalYAML reads a duration string; errors carry the node's position.
func (d *Duration) UnmarshalYAML(node ast.Node) error {
	switch n := node.(type) {
	case *ast.NullNode:
		return nil // an empty value keeps the default
	case *ast.IntegerNode:
		if v, ok := n.Value.(uint64); ok && v == 0 {
			*d = 0
			return nil
		}
		if v, ok := n.Value.(int64); ok && v == 0 {
			*d = 0
			return nil
		}
		return nodeErrorf(node, "%s is not a duration: give a unit, e.g. %q", n.GetToken().Value, n.GetToken().Value+"s")
	case *ast.StringNode:
		v, err := time.ParseDuration(strings.TrimSpace(n.Value))
		if err != nil {
			return nodeErrorf(node, "%q is not a duration (use e.g. 90s, 15m, 24h)", n.Value)
		}
		*d = Duration(v)
		return nil
	default:
		return nodeErrorf(node, "expected a duration such as 15m, got %s", node.Type().YAMLName())
	}
}

// Size is a number of bytes, written in YAML as an integer or as a number
// with a unit: B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of
// 1024), e.g. 5MiB.
type Size int64

// Bytes returns s as a number of bytes.
func (s Size) Bytes() int64 { return int64(s) }

// String formats s in the largest binary unit that divides it exactly.
func (s Size) String() string {
	for _, u := range []struct {
		name string
		n    int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if s != 0 && int64(s)%u.n == 0 {
			return strconv.FormatInt(int64(s)/u.n, 10) + u.name
		}
	}
	return strconv.FormatInt(int64(s), 10)
}

// MarshalYAML writes s with its unit, or as an integer when no binary
// unit divides it.
func (s Size) MarshalYAML() (any, error) {
	if str := s.String(); strings.HasSuffix(str, "B") {
		return str, nil
	}
	return int64(s), nil
}

// UnmarshalYAML reads an integer or a number with a unit.
func (s *Size) UnmarshalYAML(node ast.Node) error {
	switch n := node.(type) {
	case *ast.NullNode:
		return nil
	case *ast.IntegerNode, *ast.StringNode:
		text := strings.TrimSpace(n.GetToken().Value)
		if sn, ok := n.(*ast.StringNode); ok {
			text = strings.TrimSpace(sn.Value)
		}
		v, err := ParseSize(text)
		if err != nil {
			return nodeErrorf(node, "%v", err)
		}
		*s = v
		return nil
	default:
		return nodeErrorf(node, "expected a size such as 5MiB, got %s", node.Type().YAMLName())
	}
}

// sizeUnit returns the multiplier of a unit name, in any case.
func sizeUnit(name string) (int64, bool) {
	switch strings.ToLower(name) {
	case "", "b":
		return 1, true
	case "kb", "k":
		return 1000, true
	case "mb", "m":
		return 1000 * 1000, true
	case "gb", "g":
		return 1000 * 1000 * 1000, true
	case "kib":
		return 1 << 10, true
	case "mib":
		return 1 << 20, true
	case "gib":
		return 1 << 30, true
	}
	return 0, false
}

// ParseSize parses a byte count such as "5242880", "512KiB" or "5 MiB".
func ParseSize(text string) (Size, error) {
	i := 0
	for i < len(text) && text[i] >= '0' && text[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("%q is not a size (use e.g. 5MiB or 5242880)", text)
	}
	n, err := strconv.ParseInt(text[:i], 10, 64)
	mult, ok := sizeUnit(strings.TrimSpace(text[i:]))
	if err != nil || !ok {
		return 0, fmt.Errorf("%q is not a size (use e.g. 5MiB or 5242880)", text)
	}
	if n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q is too large", text)
	}
	return Size(n * mult), nil
}

// Secret is a string that never shows itself: it prints, logs and marshals
// as "[redacted]" (or "" when empty). Value returns the real text.
type Secret string

// redactedText replaces a non-empty secret wherever it would be shown.
const redactedText = "[redacted]"

// Value returns the secret's text, for the one place that needs it.
func (s Secret) Value() string { return string(s) }

// String returns "[redacted]", or "" for an empty secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redactedText
}

// Format makes every fmt verb, %#v and %x included, print String.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// LogValue keeps the secret out of slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalYAML writes the redacted form.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// MarshalJSON writes the redacted form.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(s.String())), nil }
