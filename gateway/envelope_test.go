package gateway

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestParseFrame(t *testing.T) {
	seq := func(n int64) *int64 { return &n }
	cases := []struct {
		name string
		in   string
		want frame
		bad  bool
	}{
		{"dispatch", `{"t":"MESSAGE_CREATE","s":42,"op":0,"d":{"content":"a } \" ] {","n":[1,{"x":"}"}]}}`,
			frame{Op: 0, S: seq(42), T: "MESSAGE_CREATE", D: json.RawMessage(`{"content":"a } \" ] {","n":[1,{"x":"}"}]}`)}, false},
		{"hello with nulls and spaces", " {\n\"op\": 10, \"s\": null, \"t\": null, \"d\": {\"heartbeat_interval\": 41250}\n} ",
			frame{Op: 10, D: json.RawMessage(`{"heartbeat_interval": 41250}`)}, false},
		{"invalid session", `{"op":9,"d":false}`, frame{Op: 9, D: json.RawMessage(`false`)}, false},
		{"ack without d", `{"op":11}`, frame{Op: 11}, false},
		{"unknown keys skipped", `{"op":0,"_trace":["a",{"b":[]}],"t":"X","d":"s"}`, frame{T: "X", D: json.RawMessage(`"s"`)}, false},
		{"escaped event name", `{"op":0,"t":"A\u005fB","d":1}`, frame{T: "A_B", D: json.RawMessage(`1`)}, false},
		{"empty object", `{}`, frame{}, false},
		{"not an object", `[1,2]`, frame{}, true},
		{"truncated", `{"op":0,"d":{"a":"b"`, frame{}, true},
		{"unterminated string", `{"op":0,"t":"READY`, frame{}, true},
		{"missing value", `{"op":}`, frame{}, true},
		{"op not a number", `{"op":"0"}`, frame{}, true},
		{"trailing garbage", `{"op":1} x`, frame{}, true},
		{"missing comma", `{"op":1 "d":2}`, frame{}, true},
		{"empty", ``, frame{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseFrame([]byte(c.in))
			if c.bad {
				if err == nil {
					t.Fatalf("parseFrame(%q) = %+v, want an error", c.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseFrame(%q): %v", c.in, err)
			}
			if got.Op != c.want.Op || got.T != c.want.T || !bytes.Equal(got.D, c.want.D) ||
				(got.S == nil) != (c.want.S == nil) || (got.S != nil && *got.S != *c.want.S) {
				t.Errorf("parseFrame(%q) = %+v (d %s), want %+v (d %s)", c.in, got, got.D, c.want, c.want.D)
			}
		})
	}
}

// FuzzParseFrame: parseFrame never panics, and on any payload that
// encoding/json decodes into the envelope it agrees with it exactly (the
// raw "d" included). Payloads whose top-level keys encoding/json would
// match differently (other letter case, \u escapes) are only run.
func FuzzParseFrame(f *testing.F) {
	for _, s := range []string{
		`{"t":"MESSAGE_CREATE","s":42,"op":0,"d":{"content":"a } \" ] {"}}`,
		`{"op":10,"s":null,"t":null,"d":{"heartbeat_interval":41250}}`,
		`{"op":9,"d":false}`, `{"op":11}`, `{}`, `[]`, `{"op":1,"op":2}`,
		`{"d":[1,2,[3,{"a":"\\"}]],"op":0}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := parseFrame(data)
		var want frame
		if json.Unmarshal(data, &want) != nil || !comparableKeys(data) {
			return
		}
		if err != nil {
			t.Fatalf("parseFrame(%q): %v; encoding/json decodes it to %+v", data, err, want)
		}
		if got.Op != want.Op || got.T != want.T || !bytes.Equal(got.D, want.D) ||
			(got.S == nil) != (want.S == nil) || (got.S != nil && *got.S != *want.S) {
			t.Fatalf("parseFrame(%q) = %+v (d %s), encoding/json %+v (d %s)", data, got, got.D, want, want.D)
		}
	})
}

// comparableKeys reports whether data is an object whose keys encoding/json
// and parseFrame read alike: no escapes in the payload's keys and no key
// that matches op, s, t or d only when case is ignored.
func comparableKeys(data []byte) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil || m == nil { // null is no object
		return false
	}
	if bytes.Contains(data, []byte(`\u`)) {
		return false
	}
	for k := range m {
		for _, known := range []string{"op", "s", "t", "d"} {
			if strings.EqualFold(k, known) && k != known {
				return false
			}
		}
		if strings.ContainsAny(k, "\\\"") {
			return false
		}
	}
	return true
}

// benchPayload is an INTERACTION_CREATE as Discord sends it, about 1.3 kB.
const benchPayload = `{"t":"INTERACTION_CREATE","s":4242,"op":0,"d":{"app_permissions":"2251799813685247","application_id":"1575169601908506624",` +
	`"attachment_size_limit":10485760,"authorizing_integration_owners":{"0":"1575169601908506626"},"channel":{"flags":0,` +
	`"guild_id":"1575169601908506626","id":"1575169601908506627","last_message_id":null,"name":"general","nsfw":false,` +
	`"parent_id":null,"position":0,"rate_limit_per_user":0,"topic":null,"type":0},"channel_id":"1575169601908506627","context":0,` +
	`"data":{"guild_id":"1575169601908506626","id":"1575169601933672448","name":"summarize","options":[{"name":"url","type":3,` +
	`"value":"https://a.example/1"}],"type":1},"entitlements":[],"guild":{"features":[],"id":"1575169601908506626","locale":"en-US"},` +
	`"guild_id":"1575169601908506626","guild_locale":"en-US","id":"1575169601933672452","locale":"en-US","member":{"avatar":null,` +
	`"communication_disabled_until":null,"deaf":false,"flags":0,"joined_at":"2024-01-01T00:00:00.000000+00:00","mute":false,` +
	`"nick":null,"pending":false,"permissions":"277025475584","premium_since":null,"roles":[],"user":{"avatar":null,` +
	`"discriminator":"0","flags":0,"global_name":"Alice","id":"1575169601908506625","public_flags":0,"username":"alice"}},` +
	`"token":"aW50ZXJhY3Rpb246Ph8Q5BqmSXEwrznIC-9WXTZjQppltlgsfYTpgJyYBtVjRDR1-uu8HScu8BvtfyJL","type":2,"version":1}}`

// BenchmarkParseFrame is the gateway reader's work per event; the
// encoding/json sub-benchmark is what the envelope would cost decoded.
func BenchmarkParseFrame(b *testing.B) {
	data := []byte(benchPayload)
	b.Run("scan", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := parseFrame(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var f frame
			if err := json.Unmarshal(data, &f); err != nil {
				b.Fatal(err)
			}
		}
	})
}
