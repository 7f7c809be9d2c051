package article

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestFetchRefusesResolvedSpecialAddresses resolves a harmless-looking name
// to each refused form: only the connect-time check (net.Dialer.Control)
// can see these, since the URL holds a name.
func TestFetchRefusesResolvedSpecialAddresses(t *testing.T) {
	tests := []struct {
		name, addr, reason string
	}{
		// The test policy allows 127.0.0.1 only (its server): .2 is refused.
		{"loopback", "127.0.0.2", "address 127.0.0.2 is loopback and not allowed"},
		// The dialer connects to a mapped address over IPv4, so Control
		// sees, and refuses, the embedded address.
		{"ipv4-mapped loopback", "::ffff:127.0.0.2", "127.0.0.2 is loopback"},
		{"ipv4-mapped metadata", "::ffff:169.254.169.254", "169.254.169.254 is link-local"},
		{"nat64 loopback", "64:ff9b::7f00:1", "address 64:ff9b::7f00:1 is NAT64"},
		{"6to4 metadata", "2002:a9fe:a9fe::1", "6to4"},
		{"metadata", "169.254.169.254", "link-local"},
		{"alibaba metadata", "100.100.100.200", "carrier-grade NAT"},
		{"rfc1918", "192.168.1.1", "private"},
		{"ula", "fd12:3456::1", "unique-local"},
		{"ipv6 link-local", "fe80::1", "link-local"},
		{"ipv6 loopback", "::1", "loopback"},
		{"unspecified", "0.0.0.0", "unspecified"},
		{"multicast", "239.1.1.1", "multicast"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, http.HandlerFunc(articleHandler))
			env.dns = newFakeDNS(map[string][]string{"innocent.test": {tt.addr}})
			_, err := env.fetcher().Fetch(t.Context(), env.url("innocent.test", "/"))
			var refused *RefusedError
			if !errors.As(err, &refused) || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("err = %v, want a refusal saying %q", err, tt.reason)
			}
			if n := env.dns.lookups("innocent.test"); n != 1 {
				t.Errorf("resolved %d times, want 1", n)
			}
		})
	}
}

func TestFetchAllowNetworksReachesResolvedAddress(t *testing.T) {
	// 127.0.0.1 is in the test policy's AllowNetworks: an operator's
	// allow-list opens exactly that network at connect time.
	env := newTestEnv(t, http.HandlerFunc(articleHandler))
	env.dns = newFakeDNS(map[string][]string{"intranet.test": {"127.0.0.1"}, "other.test": {"127.0.0.3"}})
	if _, err := env.fetcher().Fetch(t.Context(), env.url("other.test", "/")); err == nil {
		t.Fatal("127.0.0.3 reached although only 127.0.0.1/32 is allowed")
	}
	if _, err := env.fetcher().Fetch(t.Context(), env.url("intranet.test", "/")); err != nil {
		t.Fatalf("allowed address: %v", err)
	}
}
