package article

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestCheckURLRefused(t *testing.T) {
	tests := []struct {
		name, url string
		// reason is a fragment of the error message.
		reason string
	}{
		{"ipv4-mapped loopback", "http://[::ffff:127.0.0.1]/", "address ::ffff:127.0.0.1 is loopback (IPv4-mapped) and not allowed"},
		{"ipv4-mapped metadata hex", "http://[::ffff:a9fe:a9fe]/", "link-local"},
		{"unspecified v4", "http://0.0.0.0/", "address 0.0.0.0 is unspecified"},
		{"unspecified v6", "http://[::]/", "unspecified"},
		{"localhost", "http://localhost/", "host localhost is local and not allowed"},
		{"localhost trailing dot", "http://LOCALHOST./", "local"},
		{"sub.localhost", "https://app.localhost/", "local"},
		{"nat64 loopback", "http://[64:ff9b::7f00:1]/", "NAT64"},
		{"nat64 local-use", "http://[64:ff9b:1::1]/", "NAT64"},
		{"cgnat alibaba metadata", "http://100.100.100.200/latest/meta-data/", "carrier-grade NAT"},
		{"aws metadata", "http://169.254.169.254/latest/meta-data/", "address 169.254.169.254 is link-local and not allowed"},
		{"rfc1918 10/8", "http://10.1.2.3/", "private"},
		{"rfc1918 172.16/12", "http://172.31.255.1/", "private"},
		{"rfc1918 192.168/16", "https://192.168.1.1/", "private"},
		{"loopback", "http://127.0.0.1/", "loopback"},
		{"loopback v6", "http://[::1]/", "loopback"},
		{"ula", "http://[fd00::1]/", "unique-local"},
		{"link-local v6", "http://[fe80::1]/", "link-local"},
		{"link-local v6 zone", "http://[fe80::1%25eth0]/", "link-local"},
		{"6to4 loopback", "http://[2002:7f00:1::]/", "6to4"},
		{"ipv4-translated loopback", "http://[::ffff:0:7f00:1]/", "IPv4-translated"},
		{"outside 2000::/3", "http://[4000::1]/", "outside the IPv6 global unicast space"},
		{"teredo", "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "Teredo"},
		{"multicast v4", "http://224.0.0.1/", "multicast"},
		{"multicast v6", "http://[ff02::1]/", "multicast"},
		{"broadcast", "http://255.255.255.255/", "broadcast"},
		{"reserved 240/4", "http://240.0.0.1/", "reserved"},
		{"documentation", "http://192.0.2.10/", "documentation"},
		{"benchmarking", "http://198.18.0.1/", "benchmarking"},
		{"decimal loopback", "http://2130706433/", "host 2130706433 (127.0.0.1) is loopback"},
		{"hex loopback", "http://0x7f000001/", "loopback"},
		{"octal loopback", "http://0177.0.0.1/", "loopback"},
		{"short loopback", "http://127.1/", "loopback"},
		{"dotted hex metadata", "http://0xa9.0xfe.0xa9.0xfe/", "link-local"},
		{"decimal public", "http://134744072/", "non-standard IPv4 notation"},
		{"file", "file:///etc/passwd", `scheme "file" is not http or https`},
		{"gopher", "gopher://example.com:70/", `scheme "gopher"`},
		{"ftp", "ftp://example.com/", "scheme"},
		{"javascript", "javascript:alert(1)", "scheme"},
		{"credentials", "http://u:p@example.com/", "a URL with credentials is a leak risk and not allowed"},
		{"user only", "https://user@example.com/", "credentials"},
		{"port 8080", "http://example.com:8080/", "port 8080 is not 80 or 443 and not allowed"},
		{"port 22 https", "https://example.com:22/", "port 22"},
		{"no host", "http:///path", "no host"},
		{"relative", "/just/a/path", "no scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := CheckURL(tt.url, Policy{})
			if err == nil {
				t.Fatalf("CheckURL(%q) accepted %v", tt.url, u)
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q, want it to contain %q", err, tt.reason)
			}
		})
	}
}

func TestCheckURLRefusalIsTyped(t *testing.T) {
	_, err := CheckURL("http://169.254.169.254/", Policy{})
	var refused *RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("err %T %v, want *RefusedError", err, err)
	}
	if refused.Subject != "address 169.254.169.254" || refused.Reason != "link-local" {
		t.Errorf("got %+v", refused)
	}
}

func TestCheckURLAllowed(t *testing.T) {
	allowLoop := Policy{
		AllowNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("fd00::/8")},
		AllowPorts:    []int{8080},
	}
	tests := []struct {
		name, url string
		policy    Policy
	}{
		{"https name", "https://example.com/a?b=c#d", Policy{}},
		{"http name", "http://www.bleepingcomputer.com/news/", Policy{}},
		{"explicit 443", "https://example.com:443/", Policy{}},
		{"explicit 80", "http://example.com:80/", Policy{}},
		{"public v4", "http://8.8.8.8/", Policy{}},
		{"public v6", "http://[2606:4700:4700::1111]/", Policy{}},
		{"upper-case scheme", "HTTPS://Example.COM/", Policy{}},
		{"name with digits", "https://1password.com/", Policy{}},
		{"numeric-looking name", "https://123.example/", Policy{}},
		{"allowed port", "http://example.com:8080/", allowLoop},
		{"loopback in allow_networks", "http://127.0.0.1:8080/", allowLoop},
		{"mapped loopback in allow_networks", "http://[::ffff:127.0.0.1]/", allowLoop},
		{"ula in allow_networks", "http://[fd00::1]/", allowLoop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := CheckURL(tt.url, tt.policy); err != nil {
				t.Errorf("CheckURL(%q): %v", tt.url, err)
			}
		})
	}
}

func TestAddrRefusal(t *testing.T) {
	tests := []struct {
		addr   string
		refuse bool
	}{
		{"1.1.1.1", false},
		{"100.63.255.255", false},
		{"100.64.0.1", true},
		{"100.127.255.255", true},
		{"100.128.0.0", false},
		{"172.15.255.255", false},
		{"172.32.0.0", false},
		{"198.17.255.255", false},
		{"198.20.0.0", false},
		{"::ffff:8.8.8.8", false},
		{"::ffff:10.0.0.1", true},
		{"64:ff9b::808:808", true},
		{"2001:4860:4860::8888", false},
		{"2001:db8::1", true},
		{"fc00::1", true},
		{"fec0::1", true},
		{"::127.0.0.1", true},
		{"::ffff:0:7f00:1", true}, // IPv4-translated 127.0.0.1
		{"1::1", true},
		{"4000::1", true},
		{"e000::1", true},
		{"2a00:1450:4001::1", false},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			reason := addrRefusal(netip.MustParseAddr(tt.addr), Policy{})
			if got := reason != ""; got != tt.refuse {
				t.Errorf("refused = %v (%q), want %v", got, reason, tt.refuse)
			}
		})
	}
}

func TestDialControl(t *testing.T) {
	control := dialControl(Policy{AllowPorts: []int{8443}})
	tests := []struct {
		address string
		reason  string // "" when allowed
	}{
		{"93.184.215.14:443", ""},
		{"[2606:4700::1]:80", ""},
		{"93.184.215.14:8443", ""},
		{"93.184.215.14:25", "port 25"},
		{"127.0.0.1:443", "address 127.0.0.1 is loopback"},
		{"169.254.169.254:80", "link-local"},
		{"[::ffff:192.168.0.1]:443", "private (IPv4-mapped)"},
		{"[fe80::1%eth0]:443", "link-local"},
	}
	for _, tt := range tests {
		t.Run(tt.address, func(t *testing.T) {
			err := control("tcp", tt.address, nil)
			switch {
			case tt.reason == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.reason != "" && (err == nil || !strings.Contains(err.Error(), tt.reason)):
				t.Errorf("err = %v, want %q", err, tt.reason)
			}
		})
	}
}

func FuzzURLPolicy(f *testing.F) {
	for _, s := range []string{
		"https://example.com/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://localhost/",
		"http://[64:ff9b::7f00:1]/", "http://100.100.100.200/", "file:///etc/passwd", "gopher://x/",
		"http://u:p@host/", "http://host:8080/", "http://2130706433/", "http://0x7f.1/", "http://127.1/",
		"http://[fe80::1%25eth0]/", "HTTP://EXAMPLE.com:443", "http://example.com./", "http://%31%32%37.0.0.1/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := CheckURL(raw, Policy{})
		if err != nil {
			return
		}
		if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
			t.Fatalf("accepted scheme %q in %q", u.Scheme, raw)
		}
		if u.User != nil {
			t.Fatalf("accepted credentials in %q", raw)
		}
		host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
		if host == "" || host == "localhost" || strings.HasSuffix(host, ".localhost") {
			t.Fatalf("accepted host %q in %q", host, raw)
		}
		if addr, err := netip.ParseAddr(host); err == nil && addrRefusal(addr, Policy{}) != "" {
			t.Fatalf("accepted refused address %s in %q", addr, raw)
		}
		if _, ok := parseLegacyIPv4(host); ok {
			t.Fatalf("accepted numeric host %q in %q", host, raw)
		}
		if p := u.Port(); p != "" && p != "80" && p != "443" {
			t.Fatalf("accepted port %q in %q", p, raw)
		}
	})
}
