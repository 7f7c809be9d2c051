package tcpproxy

import (
	"bytes"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/loopback"
)

// patience bounds every wait of these tests on the proxy: far longer than
// anything should take, so that a broken proxy fails a test instead of
// hanging it.
const patience = 10 * time.Second

// server is a target for the proxy: one that sends back what it reads
// (newEcho) or, once the client has sent everything, all it read
// (newCollector). It counts the connections it accepts and reports the end
// of each.
type server struct {
	ln net.Listener
	// ended gets a value as each connection ends.
	ended chan struct{}

	mu       sync.Mutex
	accepted int
}

// newEcho starts an echo server that stops when t ends.
func newEcho(t *testing.T) *server {
	t.Helper()
	return newTarget(t, func(c net.Conn) { io.Copy(c, c) })
}

// newCollector starts a server that reads to the end of what the client
// sends, then sends it all back; it stops when t ends.
func newCollector(t *testing.T) *server {
	t.Helper()
	return newTarget(t, func(c net.Conn) {
		if all, err := io.ReadAll(c); err == nil {
			c.Write(all)
		}
	})
}

// newTarget starts a server that runs handle on each connection, then
// closes it for writing.
func newTarget(t *testing.T, handle func(net.Conn)) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &server{ln: ln, ended: make(chan struct{}, 100)}
	var wg sync.WaitGroup
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			e.mu.Lock()
			e.accepted++
			conns = append(conns, c)
			e.mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				handle(c)
				c.(*net.TCPConn).CloseWrite()
				e.ended <- struct{}{}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		e.mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		e.mu.Unlock()
		wg.Wait()
	})
	return e
}

func (e *server) Addr() string { return e.ln.Addr().String() }

func (e *server) Accepted() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.accepted
}

// waitEnded waits for a connection of e to end.
func (e *server) waitEnded(t *testing.T) {
	t.Helper()
	select {
	case <-e.ended:
	case <-time.After(patience):
		t.Fatal("the target's connection did not end")
	}
}

// dial connects to p, failing t on an error.
func dial(t *testing.T, p *Proxy) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatalf("dial the proxy: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(patience))
	return c
}

// roundTrip sends msg through c and checks that it comes back.
func roundTrip(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	// Write while reading: a large message would fill the buffers of both
	// directions before the write returned.
	written := make(chan error, 1)
	go func() {
		_, err := io.WriteString(c, msg)
		written <- err
	}()
	got := make([]byte, len(msg))
	_, err := io.ReadFull(c, got)
	if werr := <-written; werr != nil {
		t.Fatalf("write: %v", werr)
	}
	if err != nil {
		t.Fatalf("read back %d bytes: %v", len(msg), err)
	}
	if string(got) != msg {
		t.Fatalf("read back %.40q…, want %.40q…", got, msg)
	}
}

// wantClosed checks that c's peer has closed it: a read ends in EOF or an
// error (a reset), not in data or the deadline.
func wantClosed(t *testing.T, c net.Conn) {
	t.Helper()
	n, err := c.Read(make([]byte, 1))
	var ne net.Error
	switch {
	case n > 0:
		t.Errorf("read %d bytes from a connection that should be closed", n)
	case errors.As(err, &ne) && ne.Timeout():
		t.Errorf("the connection stayed open for %v", patience)
	case err == nil:
		t.Error("read nothing and no error")
	}
}

func TestForwardsBothWays(t *testing.T) {
	e := newEcho(t)
	p := New(t, e.Addr())
	c := dial(t, p)
	roundTrip(t, c, "hello")
	roundTrip(t, c, strings.Repeat("a large message ", 1<<16))
	if n := p.Conns(); n != 1 {
		t.Errorf("Conns() = %d with one connection open, want 1", n)
	}
	c.Close()
	e.waitEnded(t)
}

func TestPassesOnHalfClose(t *testing.T) {
	// The target answers only once the client has closed its side for
	// writing: the proxy must pass that on and keep the other way open.
	e := newCollector(t)
	p := New(t, e.Addr())
	c := dial(t, p)
	if _, err := io.WriteString(c, "last words"); err != nil {
		t.Fatal(err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read to the end: %v", err)
	}
	if string(rest) != "last words" {
		t.Errorf("read %q after closing for writing, want %q", rest, "last words")
	}
	e.waitEnded(t)
	// The client saw the end before the proxy dropped the connection.
	waitConns(t, p, 0)
}

// waitConns waits for p to hold n connections.
func waitConns(t *testing.T, p *Proxy, n int) {
	t.Helper()
	for deadline := time.Now().Add(patience); p.Conns() != n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("Conns() = %d for %v, want %d", p.Conns(), patience, n)
		}
	}
}

func TestCutClosesBothSidesAndKeepsAccepting(t *testing.T) {
	e := newEcho(t)
	p := New(t, e.Addr())
	cut := []net.Conn{dial(t, p), dial(t, p)}
	for _, c := range cut {
		roundTrip(t, c, "before")
	}

	p.Cut()
	if n := p.Conns(); n != 0 {
		t.Errorf("Conns() = %d after Cut, want 0", n)
	}
	for _, c := range cut {
		wantClosed(t, c)
		e.waitEnded(t)
	}

	after := dial(t, p)
	roundTrip(t, after, "after")
	if n := p.Conns(); n != 1 {
		t.Errorf("Conns() = %d with one new connection, want 1", n)
	}
	if n := e.Accepted(); n != 3 {
		t.Errorf("the target accepted %d connections, want 3", n)
	}
}

func TestSetDownRefusesNewConnections(t *testing.T) {
	e := newEcho(t)
	p := New(t, e.Addr())
	open := dial(t, p)
	roundTrip(t, open, "before")

	p.SetDown(true)
	for range 3 {
		wantClosed(t, dial(t, p))
	}
	if n := p.Conns(); n != 1 {
		t.Errorf("Conns() = %d while down with one connection from before, want 1", n)
	}
	if n := e.Accepted(); n != 1 {
		t.Errorf("the target accepted %d connections, want only the one from before", n)
	}
	roundTrip(t, open, "the open connection stays")

	p.SetDown(false)
	roundTrip(t, dial(t, p), "up again")
	if n := e.Accepted(); n != 2 {
		t.Errorf("the target accepted %d connections, want 2", n)
	}
}

func TestUnreachableTargetClosesTheClient(t *testing.T) {
	p := New(t, loopback.ClosedAddr(t))
	wantClosed(t, dial(t, p))
	if n := p.Conns(); n != 0 {
		t.Errorf("Conns() = %d after the target refused, want 0", n)
	}
}

func TestCleanupClosesEverything(t *testing.T) {
	e := newEcho(t)
	var addr string
	var left net.Conn
	t.Run("proxy", func(t *testing.T) {
		p := New(t, e.Addr())
		addr = p.Addr()
		var err error
		if left, err = net.Dial("tcp", addr); err != nil {
			t.Fatal(err)
		}
		left.SetDeadline(time.Now().Add(patience))
		roundTrip(t, left, "open at the end")
	})
	defer left.Close()
	wantClosed(t, left)
	e.waitEnded(t)
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Errorf("the proxy still accepts connections after its test ended")
	}
	// Cleanup waited for the proxy's goroutines; one may still be between
	// its last statement and its exit.
	deadline := time.Now().Add(patience)
	for {
		stacks := proxyStacks()
		if stacks == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines of the proxy outlive it:\n%s", stacks)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

// proxyStacks returns the stacks of the goroutines running the proxy's
// code, or "".
func proxyStacks() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for g := range bytes.SplitSeq(buf, []byte("\n\n")) {
		if s := string(g); strings.Contains(s, "tcpproxy.(*Proxy)") || strings.Contains(s, "tcpproxy.pipe") {
			out = append(out, s)
		}
	}
	return strings.Join(out, "\n\n")
}
