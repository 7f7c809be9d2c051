// Package article fetches web pages safely (an SSRF guard checked at
// connect time, size, time and type limits, bounded redirects) and extracts
// their readable text with go-readability, stripped of hidden nodes and
// invisible Unicode.
package article

import (
	"net/netip"
	"slices"
	"time"

	"github.com/secbrief/secbrief/internal/defaults"
)

// Defaults applied to zero Policy fields: those of the fetch.* keys
// (internal/defaults, which config.Default takes too).
const (
	DefaultMaxBytes     = defaults.FetchMaxBytes
	DefaultTimeout      = defaults.FetchTimeout
	DefaultIdleTimeout  = defaults.FetchIdleTimeout
	DefaultMaxRedirects = defaults.FetchMaxRedirects
	DefaultUserAgent    = defaults.FetchUserAgent
)

// Policy is what a fetch may do. The zero value is usable: zero fields take
// the defaults above.
type Policy struct {
	// AllowNetworks are networks that may be reached even though they are
	// private, loopback or otherwise special (fetch.allow_networks).
	AllowNetworks []netip.Prefix
	// AllowPorts are ports allowed besides 80 and 443.
	AllowPorts []int
	// MaxBytes caps the body after decompression.
	MaxBytes int64
	// Timeout bounds the whole fetch, body included.
	Timeout time.Duration
	// IdleTimeout fails a fetch when no bytes arrive for this long.
	IdleTimeout time.Duration
	// MaxRedirects is how many redirects are followed; zero means the
	// default, a negative value means none.
	MaxRedirects int
	// UserAgent is sent with every request.
	UserAgent string
}

// withDefaults returns p with zero fields set to their defaults.
func (p Policy) withDefaults() Policy {
	if p.MaxBytes <= 0 {
		p.MaxBytes = DefaultMaxBytes
	}
	if p.Timeout <= 0 {
		p.Timeout = DefaultTimeout
	}
	if p.IdleTimeout <= 0 {
		p.IdleTimeout = DefaultIdleTimeout
	}
	// A negative MaxRedirects (none) stays negative, so that applying the
	// defaults twice (NewFetcher, then newClient) keeps it none.
	if p.MaxRedirects == 0 {
		p.MaxRedirects = DefaultMaxRedirects
	}
	if p.UserAgent == "" {
		p.UserAgent = DefaultUserAgent
	}
	return p
}

// redirectLimit is how many redirects may be followed.
func (p Policy) redirectLimit() int { return max(p.MaxRedirects, 0) }

// portAllowed reports whether port may be connected to.
func (p Policy) portAllowed(port int) bool {
	return port == 80 || port == 443 || slices.Contains(p.AllowPorts, port)
}

// allowed reports whether addr is inside one of the allowed networks.
func (p Policy) allowed(addr netip.Addr) bool {
	for _, n := range p.AllowNetworks {
		if n.Contains(addr) || (addr.Is4In6() && n.Contains(addr.Unmap())) {
			return true
		}
	}
	return false
}
