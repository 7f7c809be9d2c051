package article

import (
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

// TestLocalhostFollowsTheLoopbackNetwork: localhost is refused unless
// fetch.allow_networks holds the loopback address it resolves to; names
// under .localhost are always refused.
func TestLocalhostFollowsTheLoopbackNetwork(t *testing.T) {
	tests := []struct {
		name    string
		allow   []string
		url     string
		allowed bool
	}{
		{"nothing allowed", nil, "http://localhost/", false},
		{"loopback /8", []string{"127.0.0.0/8"}, "http://localhost/", true},
		{"127.0.0.1 alone", []string{"127.0.0.1/32"}, "http://LOCALHOST./", true},
		{"IPv6 loopback", []string{"::1/128"}, "http://localhost/", true},
		{"a .localhost name", []string{"127.0.0.0/8", "::1/128"}, "http://app.localhost/", false},
		{"another loopback address", []string{"127.0.0.2/32"}, "http://localhost/", false},
		{"private only", []string{"10.0.0.0/8"}, "http://localhost/", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Policy
			for _, s := range tt.allow {
				p.AllowNetworks = append(p.AllowNetworks, netip.MustParsePrefix(s))
			}
			_, err := CheckURL(tt.url, p)
			if tt.allowed && err != nil {
				t.Fatalf("refused: %v", err)
			}
			var refused *RefusedError
			if !tt.allowed && (!errors.As(err, &refused) || refused.Kind != RefusedAddress) {
				t.Fatalf("err = %v, want an address refusal", err)
			}
			// Only localhost itself can be allowed, so only it names the key.
			if !tt.allowed && (refused.Key == KeyAllowNetworks) != strings.HasPrefix(tt.url, "http://localhost") {
				t.Errorf("refusal %v: key %q", err, refused.Key)
			}
		})
	}
}

// TestFetchLocalhost fetches localhost once the loopback network is
// allowed, and refuses it at connect when it resolves to an address
// outside the allowed networks.
func TestFetchLocalhost(t *testing.T) {
	env := newTestEnv(t, http.HandlerFunc(articleHandler))
	env.dns = newFakeDNS(map[string][]string{"localhost": {"127.0.0.1"}})
	if _, err := env.fetcher().Fetch(t.Context(), env.url("localhost", "/")); err != nil {
		t.Fatalf("localhost with 127.0.0.1/32 allowed: %v", err)
	}
	env.dns = newFakeDNS(map[string][]string{"localhost": {"::1"}})
	_, err := env.fetcher().Fetch(t.Context(), env.url("localhost", "/"))
	var refused *RefusedError
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), "address ::1 is loopback") {
		t.Fatalf("err = %v, want ::1 refused at connect", err)
	}
}

// TestRefusalsNameTheKey: the log text of a refusal names the key that
// would allow it, and none when no key would.
func TestRefusalsNameTheKey(t *testing.T) {
	tests := []struct {
		url  string
		want string // "" for no key
	}{
		{"http://127.0.0.1/", "address 127.0.0.1 is loopback and not allowed (fetch.allow_networks can allow it)"},
		{"http://localhost/", "host localhost is local and not allowed (fetch.allow_networks can allow it)"},
		{"http://10.1.2.3/", "(fetch.allow_networks can allow it)"},
		{"http://example.com:8080/", "port 8080 is not 80 or 443 and not allowed (fetch.allow_ports can allow it)"},
		{"http://u:p@example.com/", ""},
		{"gopher://example.com/", ""},
		{"http://2130706433/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := CheckURL(tt.url, Policy{})
			var refused *RefusedError
			if !errors.As(err, &refused) {
				t.Fatalf("err = %v, want a refusal", err)
			}
			switch {
			case tt.want == "" && strings.Contains(err.Error(), "can allow"):
				t.Errorf("%q names a key, but none allows this", err)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("%q lacks %q", err, tt.want)
			}
		})
	}
	// At connect time too.
	err := dialControl(Policy{AllowNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})("tcp", "127.0.0.1:8080", nil)
	if err == nil || !strings.Contains(err.Error(), "(fetch.allow_ports can allow it)") {
		t.Errorf("connect to a refused port: %v", err)
	}
}
