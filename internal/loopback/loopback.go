// Package loopback gives tests addresses on the loopback interface.
package loopback

import (
	"net"
	"testing"
)

// ClosedAddr returns a "127.0.0.1:port" address nothing listens on: a port
// the system just handed out and that was closed again, so a connection to
// it is refused.
func ClosedAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
