package article

import (
	"net/netip"
)

// specialRange is a block of addresses that a fetch must not reach unless
// the operator allowed it.
type specialRange struct {
	prefix netip.Prefix
	reason string
}

// specialRanges lists the refused blocks, most specific first where they
// overlap. IPv4-mapped IPv6 addresses are unmapped before this list is
// consulted, so their embedded IPv4 address decides.
var specialRanges = [...]specialRange{
	// IPv4.
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT (shared)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved (IETF protocol assignments)"},
	{netip.MustParsePrefix("192.0.2.0/24"), "reserved (documentation)"},
	{netip.MustParsePrefix("192.88.99.0/24"), "reserved (6to4 relay anycast)"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("198.18.0.0/15"), "reserved (benchmarking)"},
	{netip.MustParsePrefix("198.51.100.0/24"), "reserved (documentation)"},
	{netip.MustParsePrefix("203.0.113.0/24"), "reserved (documentation)"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("255.255.255.255/32"), "broadcast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	// IPv6.
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("::/96"), "reserved (IPv4-compatible)"},
	{netip.MustParsePrefix("::ffff:0:0:0/96"), "IPv4-translated (SIIT)"},
	{netip.MustParsePrefix("64:ff9b::/96"), "NAT64"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "NAT64 (local-use)"},
	{netip.MustParsePrefix("100::/64"), "reserved (discard-only)"},
	{netip.MustParsePrefix("2001::/32"), "Teredo"},
	{netip.MustParsePrefix("2001:db8::/32"), "reserved (documentation)"},
	{netip.MustParsePrefix("2001:10::/28"), "reserved (ORCHID)"},
	{netip.MustParsePrefix("2001:20::/28"), "reserved (ORCHIDv2)"},
	{netip.MustParsePrefix("2002::/16"), "6to4"},
	{netip.MustParsePrefix("3fff::/20"), "reserved (documentation)"},
	{netip.MustParsePrefix("5f00::/16"), "reserved (SRv6 SIDs)"},
	{netip.MustParsePrefix("fc00::/7"), "unique-local (private)"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local (deprecated)"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// globalUnicast6 is the only IPv6 space allocated for global unicast;
// everything outside it is reserved, local or special.
var globalUnicast6 = netip.MustParsePrefix("2000::/3")

// addrRefusal says why addr may not be connected to under p, or returns ""
// when it may. Only global unicast addresses outside the special ranges
// are allowed, besides the operator's AllowNetworks.
func addrRefusal(addr netip.Addr, p Policy) string {
	if !addr.IsValid() {
		return "not a valid address"
	}
	check := addr.WithZone("")
	mapped := check.Is4In6()
	if mapped {
		check = check.Unmap()
	}
	if p.allowed(check) {
		return ""
	}
	for _, r := range specialRanges {
		if r.prefix.Contains(check) {
			if mapped {
				return r.reason + " (IPv4-mapped)"
			}
			return r.reason
		}
	}
	if addr.Zone() != "" {
		return "scoped (has a zone)"
	}
	if check.Is6() && !globalUnicast6.Contains(check) {
		return "reserved (outside the IPv6 global unicast space 2000::/3)"
	}
	// Anything not global unicast (e.g. future special blocks the list
	// above misses) is refused too.
	if !check.IsGlobalUnicast() {
		return "not a global unicast address"
	}
	return ""
}

// checkAddr returns a *RefusedError when addr may not be connected to.
func checkAddr(addr netip.Addr, p Policy) error {
	if reason := addrRefusal(addr, p); reason != "" {
		e := &RefusedError{Kind: RefusedAddress, Subject: "address " + addr.String(), Reason: reason}
		if addr.IsValid() {
			e.Key = KeyAllowNetworks
		}
		return e
	}
	return nil
}
