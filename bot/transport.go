package bot

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// discordOrigin is where discordgo sends every REST request.
const discordOrigin = "https://discord.com"

// rewriteTransport sends requests for https://discord.com to another origin
// (a REST proxy such as nirn-proxy, or the tests' fake Discord), keeping the
// path and query.
type rewriteTransport struct {
	to   *url.URL
	next http.RoundTripper
}

// newRewriteTransport returns a RoundTripper that redirects Discord's REST
// origin to base; base must be an absolute http(s) URL. Only its scheme and
// host are used.
func newRewriteTransport(base string, next http.RoundTripper) (http.RoundTripper, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("discord.api_base_url %q: want an absolute http(s) URL", base)
	}
	if next == nil {
		next = http.DefaultTransport
	}
	return &rewriteTransport{to: u, next: next}, nil
}

func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.EqualFold(req.URL.Scheme+"://"+req.URL.Host, discordOrigin) {
		return t.next.RoundTrip(req)
	}
	out := req.Clone(req.Context())
	out.URL.Scheme = t.to.Scheme
	out.URL.Host = t.to.Host
	out.Host = t.to.Host
	if p := strings.TrimSuffix(t.to.Path, "/"); p != "" {
		out.URL.Path = p + req.URL.Path
		out.URL.RawPath = ""
	}
	return t.next.RoundTrip(out)
}
