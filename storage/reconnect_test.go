package storage

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/secbrief/secbrief/internal/pgtest"
	"github.com/secbrief/secbrief/internal/tcpproxy"
	"github.com/secbrief/secbrief/news"
)

// syncBuffer is a bytes.Buffer a logger and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestPostgresSurvivesDroppedConnections: the network between the store
// and PostgreSQL drops every connection (a proxy cuts them; the server and
// other tests' databases are untouched). The next operations succeed on new
// connections, nothing stored before is lost, and the log says the
// connection was lost and made again.
func TestPostgresSurvivesDroppedConnections(t *testing.T) {
	dsn := pgtest.New(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("the test expects a URL DSN: %v", err)
	}
	proxy := tcpproxy.New(t, u.Host)
	u.Host = proxy.Addr()
	var logs syncBuffer
	s, err := OpenPostgres(context.Background(), u.String(), slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()

	put := func(i int) error {
		return s.PutSummary(ctx, fmt.Sprintf("k%d", i), news.Summary{TLDR: fmt.Sprintf("summary %d", i)})
	}
	// Several connections in the pool, all of them about to be cut.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if err := put(i); err != nil {
				t.Errorf("before the cut: %v", err)
			}
		})
	}
	wg.Wait()
	if proxy.Conns() == 0 {
		t.Fatal("no connection went through the proxy")
	}

	for round := range 3 {
		proxy.Cut()
		for i := range 8 {
			n := 100*(round+1) + i
			if err := put(n); err != nil {
				t.Fatalf("round %d: write after the cut: %v", round, err)
			}
			if got, ok, err := s.Summary(ctx, fmt.Sprintf("k%d", i)); err != nil || !ok || got.TLDR != fmt.Sprintf("summary %d", i) {
				t.Fatalf("round %d: summary stored before the cut: %+v, %v, %v", round, got, ok, err)
			}
		}
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping after the cuts: %v", err)
	}
	out := logs.String()
	for _, want := range []string{"lost a connection to PostgreSQL", "reconnected to PostgreSQL"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "password") {
		t.Errorf("log mentions a password:\n%s", out)
	}
}
