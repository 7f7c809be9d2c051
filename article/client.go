package article

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"syscall"
	"time"
)

// resolveFunc resolves a host name to addresses. Tests inject one to play
// DNS answers (rebinding) without real DNS; production leaves it nil and
// the dialer resolves with the system resolver.
type resolveFunc func(ctx context.Context, host string) ([]netip.Addr, error)

// NewClient returns an HTTP client that enforces p on every request it
// makes, whatever the caller: each request URL and redirect target passes
// CheckURL, every address actually connected to is checked at connect time
// (net.Dialer.Control, so DNS rebinding and redirects are covered), no
// proxy is used, at most p.MaxRedirects redirects are followed and the
// whole exchange is bounded by p.Timeout. It does not cap body sizes: read
// bodies through a limit (Fetcher does).
func NewClient(p Policy) *http.Client { return newClient(p, nil) }

func newClient(p Policy, resolve resolveFunc) *http.Client {
	p = p.withDefaults()
	dialer := &net.Dialer{
		Timeout:   p.IdleTimeout,
		KeepAlive: 30 * time.Second,
		Control:   dialControl(p),
	}
	dial := dialer.DialContext
	if resolve != nil {
		dial = resolvingDial(dialer, resolve)
	}
	transport := &http.Transport{
		Proxy:                  nil, // never from the environment
		DialContext:            dial,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           64,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    p.IdleTimeout,
		ResponseHeaderTimeout:  p.Timeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 1 << 20,
	}
	return &http.Client{
		Transport: &guardTransport{policy: p, next: transport},
		Timeout:   p.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if limit := p.redirectLimit(); len(via) > limit {
				return fmt.Errorf("stopped after %d redirects: %w", limit, ErrTooManyRedirects)
			}
			return checkParsedURL(req.URL, p)
		},
	}
}

// dialControl checks the address a socket is about to connect to.
func dialControl(p Policy) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("connect to %s: %w", address, err)
		}
		if !p.portAllowed(int(ap.Port())) {
			return &RefusedError{Kind: RefusedPort, Subject: "port " + strconv.Itoa(int(ap.Port())), Reason: "not 80 or 443", Key: KeyAllowPorts}
		}
		return checkAddr(ap.Addr(), p)
	}
}

// resolvingDial resolves with resolve and dials each address in turn with
// dialer, whose Control still checks every one.
func resolvingDial(dialer *net.Dialer, resolve resolveFunc) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		addrs, err := resolve(ctx, host)
		if err != nil {
			return nil, fmt.Errorf("resolve %s: %w", host, err)
		}
		var errs []error
		for _, a := range addrs {
			conn, err := dialer.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
			if err == nil {
				return conn, nil
			}
			errs = append(errs, err)
		}
		if len(errs) == 0 {
			return nil, fmt.Errorf("resolve %s: no addresses", host)
		}
		return nil, errors.Join(errs...)
	}
}

// guardTransport applies the static URL policy to every request, so a
// client from NewClient is safe for any GET, not only those of Fetcher.
type guardTransport struct {
	policy Policy
	next   http.RoundTripper
}

// RoundTrip checks req.URL, then sends req.
func (g *guardTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := checkParsedURL(req.URL, g.policy); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	if req.Header.Get("User-Agent") == "" {
		req = req.Clone(req.Context())
		req.Header.Set("User-Agent", g.policy.UserAgent)
	}
	return g.next.RoundTrip(req)
}

// CloseIdleConnections closes the idle connections of the inner transport.
func (g *guardTransport) CloseIdleConnections() {
	if c, ok := g.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
