package article

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// CheckURL parses raw and applies the static part of the policy: http or
// https only, no credentials, ports 80/443 unless allowed, no localhost
// unless the loopback network is allowed (and no *.localhost names at
// all), and literal IP addresses (in any notation a resolver might
// accept) checked like connect-time addresses. Names are checked again
// at connect time, against the address they resolve to.
func CheckURL(raw string, p Policy) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	if err := checkParsedURL(u, p); err != nil {
		return nil, err
	}
	return u, nil
}

// checkParsedURL applies CheckURL's rules to an already parsed URL (a
// redirect target, a request made through NewClient).
func checkParsedURL(u *url.URL, p Policy) error {
	switch scheme := strings.ToLower(u.Scheme); scheme {
	case "http", "https":
	case "":
		return fmt.Errorf("%w %q: no scheme (want http or https)", ErrInvalidURL, u.Redacted())
	default:
		return &RefusedError{Kind: RefusedScheme, Subject: "scheme " + strconv.Quote(scheme), Reason: "not http or https"}
	}
	if u.User != nil {
		return &RefusedError{Kind: RefusedCredentials, Subject: "a URL with credentials", Reason: "a leak risk"}
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return fmt.Errorf("%w %q: no host", ErrInvalidURL, u.Redacted())
	}
	if port := u.Port(); port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n <= 0 || n > 65535 {
			return fmt.Errorf("%w %q: bad port %q", ErrInvalidURL, u.Redacted(), port)
		}
		if !p.portAllowed(n) {
			return &RefusedError{Kind: RefusedPort, Subject: "port " + port, Reason: "not 80 or 443", Key: KeyAllowPorts}
		}
	}
	return checkHost(host, p)
}

// The loopback addresses localhost names resolve to.
var (
	loopback4 = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	loopback6 = netip.IPv6Loopback()
)

// checkHost checks a lower-cased host name or literal address.
func checkHost(host string, p Policy) error {
	if host == "localhost" {
		// localhost resolves to a loopback address: allowed when that
		// network is, and the address actually dialled is checked at
		// connect time like any other.
		if p.allowed(loopback4) || p.allowed(loopback6) {
			return nil
		}
		return &RefusedError{Kind: RefusedAddress, Subject: "host " + host, Reason: "local", Key: KeyAllowNetworks}
	}
	if strings.HasSuffix(host, ".localhost") {
		// Resolvers disagree on these (Go's asks DNS), so no setting makes
		// them mean one thing: always refused.
		return &RefusedError{Kind: RefusedAddress, Subject: "host " + host, Reason: "local"}
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return checkAddr(addr, p)
	}
	if strings.ContainsAny(host, ":%[]") {
		return fmt.Errorf("%w: invalid host %q", ErrInvalidURL, host)
	}
	if addr, ok := parseLegacyIPv4(host); ok {
		// 2130706433, 0x7f.1, 017700000001, 127.1: resolvers may read
		// these as addresses. A refused address is reported as such; an
		// allowed one is still refused, as no browser-independent reading
		// of it is certain.
		if err := checkAddr(addr, p); err != nil {
			return &RefusedError{Kind: RefusedAddress, Subject: fmt.Sprintf("host %s (%s)", host, addr), Reason: addrRefusal(addr, p)}
		}
		return &RefusedError{Kind: RefusedNotation, Subject: "host " + host, Reason: "a non-standard IPv4 notation"}
	}
	return nil
}

// parseLegacyIPv4 reads host the way inet_aton does: one to four parts,
// each decimal, octal (leading 0) or hex (leading 0x), the last part
// filling the remaining bytes. It reports false when host is not such a
// form.
func parseLegacyIPv4(host string) (netip.Addr, bool) {
	parts := strings.Split(host, ".")
	if len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1] // a trailing dot
	}
	if len(parts) == 0 || len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, part := range parts {
		v, ok := parseIPv4Part(part)
		if !ok {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var ip uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 0xff {
			return netip.Addr{}, false
		}
		ip |= v << (8 * (3 - i))
	}
	last := vals[len(vals)-1]
	if last >= 1<<(8*(5-len(vals))) {
		return netip.Addr{}, false
	}
	ip |= last
	return netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}), true
}

// parseIPv4Part parses one inet_aton part.
func parseIPv4Part(s string) (uint64, bool) {
	base := 10
	switch {
	case s == "":
		return 0, false
	case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X"):
		base, s = 16, s[2:]
	case s == "0x" || s == "0X":
		return 0, true
	case len(s) > 1 && s[0] == '0':
		base, s = 8, s[1:]
	}
	v, err := strconv.ParseUint(s, base, 32)
	if err != nil {
		return 0, false
	}
	return v, true
}
