package article

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestRefusalKinds: every way a fetch is refused, directly, after a
// redirect or after resolving a name, carries the kind the bot may show,
// while the error text keeps the address or name for the log.
func TestRefusalKinds(t *testing.T) {
	tests := []struct {
		name     string
		location string // redirect target; "" fetches start directly
		start    string // host of the first request
		want     Refusal
		detail   string // in the error text, for the log
	}{
		{"name resolves to private", "", "intranet.test", RefusedAddress, "10.1.2.3"},
		{"name resolves to loopback", "", "internal.test", RefusedAddress, "127.0.0.2"},
		{"redirect to private literal", "http://10.0.0.1/", "public.test", RefusedAddress, "10.0.0.1"},
		{"redirect to loopback name", "http://admin.localhost/", "public.test", RefusedAddress, "admin.localhost"},
		{"redirect to name resolving to private", "http://intranet.test/", "public.test", RefusedAddress, "10.1.2.3"},
		{"redirect to hex loopback", "http://0x7f.2/", "public.test", RefusedAddress, "127.0.0.2"},
		{"redirect to file", "file:///etc/passwd", "public.test", RefusedScheme, `"file"`},
		{"redirect with credentials", "http://u:p@public.test/", "public.test", RefusedCredentials, "credentials"},
		{"redirect to another port", "http://public.test:8081/", "public.test", RefusedPort, "8081"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.location == "" {
					articleHandler(w, r)
					return
				}
				http.Redirect(w, r, tt.location, http.StatusFound)
			}))
			env.dns = newFakeDNS(map[string][]string{
				"public.test": {"127.0.0.1"}, "internal.test": {"127.0.0.2"}, "intranet.test": {"10.1.2.3"},
			})
			// 10.1.2.3 is refused at connect: the dial never happens.
			_, err := env.fetcher().Fetch(t.Context(), env.url(tt.start, "/"))
			var refused *RefusedError
			if !errors.As(err, &refused) {
				t.Fatalf("err = %v, want a *RefusedError", err)
			}
			if refused.Kind != tt.want {
				t.Errorf("kind %d, want %d (%v)", refused.Kind, tt.want, err)
			}
			if !strings.Contains(err.Error(), tt.detail) {
				t.Errorf("error %q lost the detail %q the log needs", err, tt.detail)
			}
		})
	}
	literal := []struct {
		url  string
		want Refusal
	}{
		{"http://169.254.169.254/", RefusedAddress},
		{"http://localhost/", RefusedAddress},
		{"http://[::1]/", RefusedAddress},
		{"gopher://example.com/", RefusedScheme},
		{"http://u@example.com/", RefusedCredentials},
		{"http://example.com:22/", RefusedPort},
		{"http://0x08.0x08.0x08.0x08/", RefusedNotation},
	}
	for _, tt := range literal {
		_, err := CheckURL(tt.url, Policy{})
		var refused *RefusedError
		if !errors.As(err, &refused) || refused.Kind != tt.want {
			t.Errorf("CheckURL(%s) = %v, want kind %d", tt.url, err, tt.want)
		}
	}
}

func TestInvalidURLIsTyped(t *testing.T) {
	for _, raw := range []string{"example.com/story", "http://", "http://example.com:99999/", "http://exa mple.com/"} {
		if _, err := CheckURL(raw, Policy{}); !errors.Is(err, ErrInvalidURL) {
			t.Errorf("CheckURL(%q) = %v, want ErrInvalidURL", raw, err)
		}
	}
}

func TestTooManyRedirectsIsTyped(t *testing.T) {
	env := newTestEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path+"x", http.StatusFound)
	}))
	_, err := env.fetcher().Fetch(t.Context(), env.url("public.test", "/"))
	if !errors.Is(err, ErrTooManyRedirects) {
		t.Fatalf("err = %v, want ErrTooManyRedirects", err)
	}
}

// TestUnsupportedTypeNamesOnlyRealMediaTypes: the Content-Type header is
// the server's text; only a well-formed media type may be shown.
func TestUnsupportedTypeNamesOnlyRealMediaTypes(t *testing.T) {
	tests := []struct{ header, want string }{
		{"application/pdf", "application/pdf"},
		{"Application/Vnd.MS-Excel; charset=binary", "application/vnd.ms-excel"},
		{"[click](https://evil.example)", ""},
		{"@everyone/<@123>", ""},
		{"image/png <https://evil.example>", ""},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			env := newTestEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.header)
				w.Write([]byte("%PDF-1.7"))
			}))
			_, err := env.fetcher().Fetch(t.Context(), env.url("public.test", "/"))
			var unsupported *UnsupportedTypeError
			if !errors.As(err, &unsupported) || !errors.Is(err, ErrUnsupportedType) {
				t.Fatalf("err = %v, want *UnsupportedTypeError matching ErrUnsupportedType", err)
			}
			if got := unsupported.MediaTypeName(); got != tt.want {
				t.Errorf("MediaTypeName() = %q, want %q", got, tt.want)
			}
		})
	}
}
