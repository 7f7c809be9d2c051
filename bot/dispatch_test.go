package bot

import "testing"

func TestFromBot(t *testing.T) {
	cases := []struct {
		name string
		msg  string
		want bool
	}{
		{"member", `{"id":"1","content":"hi @secbrief","author":{"id":"2","username":"alice","bot":false}}`, false},
		{"member without bot field", `{"author":{"id":"2","username":"alice"},"content":"x"}`, false},
		{"bot", `{"id":"1","author":{"id":"3","username":"secbrief","bot":true},"embeds":[{"title":"} \\" {"}]}`, true},
		{"system", `{"author":{"id":"4","system":true}}`, true},
		{"nested bot field is not the author's", `{"author":{"id":"2"},"referenced_message":{"author":{"bot":true}}}`, false},
		{"no author", `{"id":"1","content":"x"}`, true},
		{"null author", `{"author":null}`, true},
		{"malformed", `{"author":{"id":"2"`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := fromBot([]byte(c.msg)); got != c.want {
				t.Errorf("fromBot(%s) = %v, want %v", c.msg, got, c.want)
			}
		})
	}
}
