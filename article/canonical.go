package article

import (
	"net/netip"
	"net/url"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// articleURL picks the canonical URL when it is absolute http(s) and
// trusted for pageURL (see trustCanonical), else the page URL. With no
// page URL (a saved file, stdin) any absolute http(s) canonical URL is
// taken: there is no fetched address to hold it against.
func articleURL(canonical string, pageURL *url.URL) string {
	if canonical != "" {
		c, err := url.Parse(canonical)
		if err == nil && pageURL != nil {
			c = pageURL.ResolveReference(c)
		}
		if err == nil && (c.Scheme == "http" || c.Scheme == "https") && c.Host != "" && c.User == nil &&
			(pageURL == nil || trustCanonical(c, pageURL)) {
			return c.String()
		}
	}
	if pageURL == nil {
		return ""
	}
	return pageURL.String()
}

// trustCanonical reports whether a page fetched from pageURL may name
// canonical as its address. A page must not make the bot link (or map its
// text to) another site, so the canonical host must be the page's host,
// or a subdomain or parent of it ("www.example.com" and "example.com"),
// on the same port (80 and 443 count as one, so an http page may name
// its https address). A parent that is a public suffix ("com", "co.uk",
// "github.io": anyone may hold a name under it) is not trusted, nor are IP
// addresses other than the page's own.
func trustCanonical(canonical, pageURL *url.URL) bool {
	cp, pp := effectivePort(canonical), effectivePort(pageURL)
	if cp != pp && !(webPort(cp) && webPort(pp)) {
		return false
	}
	return sameSite(hostOf(canonical), hostOf(pageURL))
}

// webPort reports whether port is 80 or 443.
func webPort(port string) bool { return port == "80" || port == "443" }

// sameSite reports whether hosts a and b are equal or one is a subdomain
// of the other, the parent being no public suffix and neither being an IP
// address.
func sameSite(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if a == b {
		return true
	}
	if _, err := netip.ParseAddr(a); err == nil {
		return false
	}
	if _, err := netip.ParseAddr(b); err == nil {
		return false
	}
	if len(a) < len(b) {
		a, b = b, a // a is the longer, candidate subdomain
	}
	if !strings.HasSuffix(a, "."+b) {
		return false
	}
	suffix, _ := publicsuffix.PublicSuffix(b)
	return suffix != b
}

// hostOf is u's host name, lower case, without a trailing dot.
func hostOf(u *url.URL) string {
	return strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
}

// effectivePort is u's port, the scheme's default when none is given.
func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "http") {
		return "80"
	}
	return "443"
}
