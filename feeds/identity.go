package feeds

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
)

// maxIDLen bounds an item id; longer GUIDs are replaced by their hash.
const maxIDLen = 1024

// trackingParams are query parameters that identify a campaign, not a page.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "msclkid": true, "yclid": true,
	"mc_cid": true, "mc_eid": true, "_hsenc": true, "_hsmi": true, "mkt_tok": true,
	"igshid": true, "ref_src": true, "cmpid": true, "ncid": true,
}

// trackingPrefixes are prefixes of tracking parameter families
// (utm_source, pk_campaign, pk_kwd, mtm_source, ...).
var trackingPrefixes = []string{"utm_", "pk_", "mtm_", "matomo_", "piwik_"}

// CanonicalLink normalizes an item link into a stable form: resolved against
// base, scheme and host lowercased, default port and fragment dropped,
// tracking parameters (utm_*, pk_*, fbclid, ...) removed and the remaining
// query sorted. It returns "" for anything but an absolute http(s) URL.
func CanonicalLink(raw, base string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	if !u.IsAbs() && base != "" {
		b, err := url.Parse(base)
		if err != nil {
			return ""
		}
		u = b.ResolveReference(u)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.User = nil
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	u.Fragment, u.RawFragment = "", ""
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if isTracking(k) {
				delete(q, k)
			}
		}
		u.RawQuery = q.Encode()
	}
	u.ForceQuery = false
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String()
}

func isTracking(param string) bool {
	p := strings.ToLower(param)
	if trackingParams[p] {
		return true
	}
	for _, prefix := range trackingPrefixes {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// itemID is an item's stable identity within its feed: the GUID, else the
// canonical link, else a hash of title and content.
func itemID(guid, link, title, content string) string {
	if g := strings.TrimSpace(guid); g != "" {
		if len(g) > maxIDLen {
			return hashID(g)
		}
		return g
	}
	if link != "" {
		if len(link) > maxIDLen {
			return hashID(link)
		}
		return link
	}
	return hashID(title + "\n" + content)
}

func hashID(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// resolve makes ref absolute against base; "" unless the result is http(s).
func resolve(ref, base string) string {
	b, err := url.Parse(base)
	if err != nil {
		return ""
	}
	r, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return ""
	}
	u := b.ResolveReference(r)
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.Fragment = ""
	return u.String()
}
