package redact

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	r := New("MTIzNDU2Nzg5.sentinel-token", "sk-test-key-123456", "")
	tests := []struct {
		name, in, leak string
	}{
		{"discord token", "login with MTIzNDU2Nzg5.sentinel-token failed", "sentinel-token"},
		{"api key", "key=sk-test-key-123456", "sk-test-key"},
		{"interaction url", `Post "https://discord.com/api/v10/interactions/123/aW50ZXJhY3Rpb246MTIz/callback": EOF`, "aW50ZXJhY3Rpb246MTIz"},
		{"webhook url", `Patch "https://discord.com/api/v10/webhooks/42/aW50ZXJhY3Rpb25Ub2tlbg/messages/@original"`, "aW50ZXJhY3Rpb25Ub2tlbg"},
		{"authorization header", "Authorization: Bot abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.String(tt.in)
			if strings.Contains(got, tt.leak) {
				t.Fatalf("String(%q) = %q still holds %q", tt.in, got, tt.leak)
			}
			if !strings.Contains(got, Mask) {
				t.Fatalf("String(%q) = %q, want the mask", tt.in, got)
			}
		})
	}
	if got := r.String("nothing secret here"); got != "nothing secret here" {
		t.Fatalf("innocent text changed: %q", got)
	}
}

func TestHandler(t *testing.T) {
	var buf bytes.Buffer
	r := New("sentinel-secret-value")
	log := slog.New(r.Handler(slog.NewTextHandler(&buf, nil)))
	log.With("token", "sentinel-secret-value").Info("hello sentinel-secret-value",
		"err", errors.New(`Post "https://discord.com/api/v10/interactions/1/tokentokentoken/callback"`),
		slog.Group("g", "k", "sentinel-secret-value"))
	out := buf.String()
	for _, leak := range []string{"sentinel-secret-value", "tokentokentoken"} {
		if strings.Contains(out, leak) {
			t.Fatalf("log output holds %q:\n%s", leak, out)
		}
	}
	if strings.Count(out, Mask) < 4 {
		t.Fatalf("expected 4 masks:\n%s", out)
	}
}
