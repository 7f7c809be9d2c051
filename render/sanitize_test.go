package render

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestSanitize(t *testing.T) {
	article := "See https://acme.example/advisory and https://acme.example/fix for details."
	allowed := URLsFrom(article, "https://news.example/story")
	tests := []struct {
		name, in, want string
	}{
		{"plain text unchanged", "Patch now.", "Patch now."},
		{"everyone", "hi @everyone", "hi @\u200beveryone"},
		{"here", "@here look", "@\u200bhere look"},
		{"everyone any case", "@EveryOne", "@\u200bEveryOne"},
		{"user mention", "<@123456>", "<@\u200b123456>"},
		{"nickname mention", "<@!123456>", "<@\u200b!123456>"},
		{"role mention", "<@&123456>", "<@\u200b&123456>"},
		{"channel mention", "<#123456>", "<#\u200b123456>"},
		{"email untouched", "mail sec@acme.example", "mail sec@acme.example"},
		{"zero width smuggled mention is rebuilt then broken", "@\u200beveryone", "@\u200beveryone"},
		{"word joiner smuggled mention", "@\u2060here", "@\u200bhere"},
		{"masked link to allowed url", "[advisory](https://acme.example/advisory)", "advisory (https://acme.example/advisory)"},
		{"masked link with angle brackets and title", `[fix](<https://acme.example/fix> "Fix")`, "fix (https://acme.example/fix)"},
		{"masked link to evil drops the url", "[advisory](https://evil.example/x) now", "advisory now"},
		{"masked link spoofing its text", "[https://acme.example/advisory](https://evil.example/x)", "https://acme.example/advisory"},
		{"prefix of an article url dropped", "https://acme.example/adv and https://acme.exampl", "(link removed) and (link removed)"},
		{"masked link with the same text and url", "[https://acme.example/fix](https://acme.example/fix)", "https://acme.example/fix"},
		{"url in article kept", "read https://acme.example/advisory.", "read https://acme.example/advisory."},
		{"article's own url kept", "from https://news.example/story/", "from https://news.example/story/"},
		{"url not in article dropped", "go to https://evil.example/x, now", "go to (link removed), now"},
		{"url glued to a word dropped", "xhttps://evil.example/x", "x(link removed)"},
		{"longer url than the article's dropped", "https://acme.example/advisory)evil", "(link removed)"},
		{"mention revealed by a dropped url stays broken", "@https://evil.example/everyone", "@(link removed)"},
		{"nested masked links unmasked", "[a [b](c)](https://evil.example)", "a b"},
		{"leftover bracket paren broken", "[x](y(z)", "[x] (y(z)"},
		{"bidi override and tags stripped", "a\u202eb\U000E0041c", "abc"},
		{"control characters stripped", "red\x1b[31m bell\a", "red[31m bell"},
		{"invalid utf8 replaced", "a\xffb", "a\uFFFDb"},
		{"crlf and line separators", "a\r\nb\u2028c", "a\nb\nc"},
		{"many blank lines collapsed", "a\n\n\n\n\nb", "a\n\nb"},
		{"odd spaces normalized", "a\u00a0b\tc", "a b c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Sanitize(tt.in, allowed)
			if got != tt.want {
				t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if err := CheckTextSafe(got); err != nil {
				t.Errorf("result unsafe: %v", err)
			}
			if again := Sanitize(got, allowed); again != got {
				t.Errorf("not idempotent: %q then %q", got, again)
			}
		})
	}
}

func TestSanitizeNilPolicyDropsEveryURL(t *testing.T) {
	got := Sanitize("a https://acme.example/x b", nil)
	if want := "a (link removed) b"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestNoMentionsSerializesEmptyParse(t *testing.T) {
	b, err := json.Marshal(NoMentions())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"parse":[]`) {
		t.Errorf("NoMentions() = %s, want \"parse\":[]", b)
	}
	if err := CheckAllowedMentions(NoMentions()); err != nil {
		t.Errorf("CheckAllowedMentions(NoMentions()) = %v", err)
	}
	if first, second := NoMentions(), NoMentions(); first == second {
		t.Error("NoMentions returns a shared value; callers could mutate each other's")
	}
}

func TestCheckTextSafe(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		unsafe bool
	}{
		{"plain", "hello", false},
		{"neutralized", "@\u200beveryone <@\u200b&1>", false},
		{"our cve link", "[CVE-2025-1234](https://nvd.nist.gov/vuln/detail/CVE-2025-1234)", false},
		{"everyone", "@everyone", true},
		{"here any case", "@HERE", true},
		{"user", "<@1>", true},
		{"nick", "<@!1>", true},
		{"role", "<@&1>", true},
		{"channel", "<#1>", true},
		{"masked link", "[x](https://evil.example)", true},
		{"cve link to another id", "[CVE-2025-1234](https://nvd.nist.gov/vuln/detail/CVE-2025-9999)", true},
		{"cve text linking elsewhere", "[CVE-2025-1234](https://evil.example/CVE-2025-1234)", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckTextSafe(tt.in)
			if (err != nil) != tt.unsafe {
				t.Errorf("CheckTextSafe(%q) = %v, want unsafe=%v", tt.in, err, tt.unsafe)
			}
			if err != nil && !errors.Is(err, ErrUnsafe) {
				t.Errorf("error %v does not wrap ErrUnsafe", err)
			}
		})
	}
}

func BenchmarkSanitize(b *testing.B) {
	text := strings.Repeat("Attackers exploit CVE-2025-12345, see https://acme.example/advisories/2025-001 or [this](https://evil.example). @everyone ", 40)
	allowed := URLsFrom(sampleArticle)
	b.ReportAllocs()
	for b.Loop() {
		Sanitize(text, allowed)
	}
}
