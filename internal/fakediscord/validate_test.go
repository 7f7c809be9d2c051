package fakediscord

import (
	"strings"
	"testing"
)

func body(t testing.TB, raw string) *MessageBody {
	t.Helper()
	b := parseBody([]byte(raw), 0)
	if b == nil {
		t.Fatalf("bad body %s", raw)
	}
	return b
}

func TestLiveMentions(t *testing.T) {
	cases := []struct {
		name string
		body string
		live bool
	}{
		{"no mention", `{"content":"hello"}`, false},
		{"everyone without allowed_mentions", `{"content":"hi @everyone"}`, true},
		{"here blocked", `{"content":"hi @here","allowed_mentions":{"parse":[]}}`, false},
		{"parse null counts as unsafe", `{"content":"hi @here","allowed_mentions":{"parse":null}}`, true},
		{"user mention allowed by parse", `{"content":"<@123>","allowed_mentions":{"parse":["users"]}}`, true},
		{"role mention with users only", `{"content":"<@&9>","allowed_mentions":{"parse":["users"]}}`, false},
		{"role listed", `{"content":"<@&9>","allowed_mentions":{"parse":[],"roles":["9"]}}`, true},
		{"nick mention", `{"content":"<@!5>"}`, true},
		{"mention only in embed", `{"embeds":[{"description":"@everyone"}]}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := LiveMentions(Request{Message: body(t, tc.body)}); got != tc.live {
				t.Errorf("LiveMentions(%s) = %v, want %v", tc.body, got, tc.live)
			}
		})
	}
	if !body(t, `{"allowed_mentions":{"parse":[]}}`).NoPings() || body(t, `{"allowed_mentions":{"parse":null}}`).NoPings() ||
		body(t, `{"content":"x"}`).NoPings() {
		t.Error("NoPings misjudges parse [] / null / absent")
	}
}

func TestValidateBodyPaths(t *testing.T) {
	cases := []struct {
		name string
		body string
		want string // substring of the encoded errors
	}{
		{"content", `{"content":"` + strings.Repeat("a", 2001) + `"}`, `"content"`},
		{"field value", `{"embeds":[{"fields":[{"name":"n","value":"` + strings.Repeat("a", 1025) + `"}]}]}`, `"value"`},
		{"nonce too long", `{"content":"x","nonce":"` + strings.Repeat("n", 26) + `"}`, `"nonce"`},
		{"callback prefix", `{"content":"` + strings.Repeat("a", 2001) + `"}`, `"data"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var prefix []string
			if tc.name == "callback prefix" {
				prefix = []string{"data"}
			}
			errs := validateBody(body(t, tc.body), prefix)
			if len(errs) == 0 {
				t.Fatal("no errors")
			}
			if !containsKey(errs, strings.Trim(tc.want, `"`)) {
				t.Errorf("errors %v lack %s", errs, tc.want)
			}
		})
	}
}

func containsKey(m map[string]any, key string) bool {
	for k, v := range m {
		if k == key {
			return true
		}
		if sub, ok := v.(map[string]any); ok && containsKey(sub, key) {
			return true
		}
	}
	return false
}

// FuzzLiveMentions: a payload with allowed_mentions {"parse": []} never
// pings, and content without '@' never pings whatever allowed_mentions says.
func FuzzLiveMentions(f *testing.F) {
	f.Add("@everyone <@1> <@&2> @here", true)
	f.Add("plain", false)
	f.Fuzz(func(t *testing.T, content string, blocked bool) {
		b := &MessageBody{Content: &content}
		if blocked {
			b.AllowedMentions = &AllowedMentions{Parse: []string{}}
		}
		live := LiveMentions(Request{Message: b})
		if blocked && live {
			t.Errorf("parse [] still pings: %q", content)
		}
		if !strings.Contains(content, "@") && live {
			t.Errorf("no @ but live: %q", content)
		}
		if !blocked && strings.Contains(content, "@everyone") && !live {
			t.Errorf("@everyone without allowed_mentions not live: %q", content)
		}
	})
}
