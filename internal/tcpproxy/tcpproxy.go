// Package tcpproxy is a TCP proxy for tests: it stands between a client and
// a server (PostgreSQL, say) so that a test can cut the client's connections,
// or refuse new ones, without touching the server.
package tcpproxy

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// dialTimeout bounds the connection to the target made for each client.
const dialTimeout = 10 * time.Second

// closeTimeout bounds the wait for the proxy's goroutines as it closes.
const closeTimeout = 10 * time.Second

// Proxy listens on 127.0.0.1 and forwards each connection to a target
// address over a connection of its own.
type Proxy struct {
	tb     testing.TB
	target string
	ln     net.Listener
	// ctx ends when the proxy closes, cancelling dials to the target.
	ctx    context.Context
	cancel context.CancelFunc
	// wg counts the proxy's goroutines, so closing it can wait for them.
	wg sync.WaitGroup

	mu     sync.Mutex
	down   bool
	closed bool
	conns  map[*pair]struct{}
}

// pair is one client connection and, once dialled, its connection to the
// target.
type pair struct {
	client net.Conn
	target net.Conn // nil until dialled
	cut    bool
}

// close closes both sides; the caller holds the proxy's lock.
func (c *pair) close() {
	c.cut = true
	c.client.Close()
	if c.target != nil {
		c.target.Close()
	}
}

// New starts a proxy to target on 127.0.0.1 and a free port. It closes when
// tb ends, with every connection it holds, and waits for its goroutines.
func New(tb testing.TB, target string) *Proxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("tcpproxy: listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Proxy{tb: tb, target: target, ln: ln, ctx: ctx, cancel: cancel, conns: map[*pair]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	tb.Cleanup(p.close)
	return p
}

// Addr returns the address the proxy listens on, as "127.0.0.1:port".
func (p *Proxy) Addr() string {
	return p.ln.Addr().String()
}

// Cut closes every open connection, on both sides: the clients see their
// connection end while the target sees its clients leave. New connections
// are still accepted.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cutLocked()
}

// SetDown sets whether the proxy refuses new connections: while down, it
// accepts each one and closes it at once, as a server that is going away
// would. The connections already open stay; Cut them too for an outage.
func (p *Proxy) SetDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
}

// Conns returns the number of connections open now: accepted, and neither
// cut nor ended by either side.
func (p *Proxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// cutLocked closes and forgets every connection; the caller holds p.mu.
func (p *Proxy) cutLocked() {
	for c := range p.conns {
		c.close()
		delete(p.conns, c)
	}
}

// close stops the proxy: no more connections, every open one closed, and
// every goroutine of it returned.
func (p *Proxy) close() {
	p.mu.Lock()
	p.closed = true
	p.cutLocked()
	p.mu.Unlock()
	p.cancel()
	p.ln.Close()
	// A goroutine that does not return is a bug of the proxy: fail the test
	// rather than hang it.
	stopped := make(chan struct{})
	go func() {
		p.wg.Wait()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(closeTimeout):
		p.tb.Errorf("tcpproxy: goroutines still running %v after closing", closeTimeout)
	}
}

// accept takes connections until the listener closes.
func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		conn, err := p.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				p.tb.Logf("tcpproxy: accept: %v", err)
			}
			return
		}
		p.mu.Lock()
		if p.down || p.closed {
			p.mu.Unlock()
			conn.Close()
			continue
		}
		c := &pair{client: conn}
		p.conns[c] = struct{}{}
		p.wg.Add(1)
		p.mu.Unlock()
		go p.serve(c)
	}
}

// serve dials the target for c and copies between the two until both
// directions end or c is cut.
func (p *Proxy) serve(c *pair) {
	defer p.wg.Done()
	defer p.forget(c)
	d := net.Dialer{Timeout: dialTimeout}
	target, err := d.DialContext(p.ctx, "tcp", p.target)
	if err != nil {
		if p.ctx.Err() == nil {
			p.tb.Logf("tcpproxy: dial %s: %v", p.target, err)
		}
		return
	}
	p.mu.Lock()
	if c.cut {
		// Cut, or the proxy closed, while dialling.
		p.mu.Unlock()
		target.Close()
		return
	}
	c.target = target
	p.mu.Unlock()

	done := make(chan struct{})
	go func() {
		defer close(done)
		pipe(target, c.client)
	}()
	pipe(c.client, target)
	<-done
}

// pipe copies from src to dst. At src's end it passes the end on by closing
// dst for writing, so that a client that half-closes its connection still
// reads the reply; on an error it closes both, which ends the other
// direction too.
func pipe(dst, src net.Conn) {
	if _, err := io.Copy(dst, src); err == nil {
		if cw, ok := dst.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
			return
		}
	}
	dst.Close()
	src.Close()
}

// forget closes c and drops it from the open connections.
func (p *Proxy) forget(c *pair) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c.close()
	delete(p.conns, c)
}
