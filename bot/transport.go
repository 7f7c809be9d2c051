package bot

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/websocket"
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

// RoundTrip sends req to the configured origin when it is for Discord.
func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.EqualFold(req.URL.Scheme+"://"+req.URL.Host, discordOrigin) {
		return t.next.RoundTrip(req)
	}
	// A shallow copy with its own URL: nothing else is changed, so the
	// headers and body can be shared (Request.Clone would copy them).
	out := new(http.Request)
	*out = *req
	out.URL, out.Host = t.target(req.URL), t.to.Host
	return t.next.RoundTrip(out)
}

// target is where a request for Discord's u goes.
func (t *rewriteTransport) target(u *url.URL) *url.URL {
	v := *u
	v.Scheme, v.Host = t.to.Scheme, t.to.Host
	if p := strings.TrimSuffix(t.to.Path, "/"); p != "" {
		v.Path = p + u.Path
		v.RawPath = ""
	}
	return &v
}

// restURL is where a REST request for Discord's endpoint goes with
// apiBase as discord.api_base_url ("": Discord itself): what to name when
// it fails.
func restURL(apiBase, endpoint string) string {
	u, err := url.Parse(endpoint)
	if apiBase == "" || err != nil {
		return endpoint
	}
	t, err := newRewriteTransport(apiBase, nil)
	if err != nil {
		return endpoint // NewSession has refused it already
	}
	return t.(*rewriteTransport).target(u).String()
}

// restIdleConns is how many idle REST connections are kept for reuse.
// Against discord.com requests share one HTTP/2 connection; a REST proxy
// (or the fake) speaks HTTP/1.1, one request per connection at a time, and
// a burst of interactions needs as many connections as requests in flight.
// Go's default keeps 2 per host and 100 in all: every burst after the
// first would open (and later close) hundreds of connections again.
const restIdleConns = 1000

// restTransport is Go's default transport keeping restIdleConns idle
// connections.
func restTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = restIdleConns
	t.MaxIdleConnsPerHost = restIdleConns
	return t
}

// gatewayReadBuffer is the socket receive buffer of the gateway connection.
// Discord delivers bursts of events (a popular link posted in a big server
// is hundreds of interactions at once); a larger buffer lets them queue in
// the kernel rather than stall the sender with a zero window.
const gatewayReadBuffer = 4 << 20

// gatewayDialer is websocket.DefaultDialer with a larger receive buffer.
func gatewayDialer() *websocket.Dialer {
	d := *websocket.DefaultDialer
	nd := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := nd.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if tcp, ok := conn.(*net.TCPConn); ok {
			_ = tcp.SetReadBuffer(gatewayReadBuffer) // best effort: the OS may cap it
		}
		return conn, nil
	}
	return &d
}
