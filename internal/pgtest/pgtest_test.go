package pgtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/secbrief/secbrief/internal/loopback"
	"github.com/secbrief/secbrief/internal/tcpproxy"
)

// connect opens a connection to dsn that closes when t ends.
func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// queryInt runs a query of one integer.
func queryInt(t *testing.T, conn *pgx.Conn, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(t.Context(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

var dbName = regexp.MustCompile(`^secbrief_t_[0-9a-f]{16}$`)

func TestNewGivesAnEmptyDatabaseOfItsOwn(t *testing.T) {
	dsns := []string{New(t), New(t)}
	var names []string
	for _, dsn := range dsns {
		conn := connect(t, dsn)
		var name string
		if err := conn.QueryRow(t.Context(), "SELECT current_database()").Scan(&name); err != nil {
			t.Fatalf("current_database: %v", err)
		}
		if !dbName.MatchString(name) {
			t.Errorf("database name %q, want it to match %s", name, dbName)
		}
		names = append(names, name)
		if n := queryInt(t, conn, `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`); n != 0 {
			t.Errorf("database %s has %d relations of its own, want none", name, n)
		}
	}
	if names[0] == names[1] {
		t.Fatalf("two calls of New gave the same database %s", names[0])
	}

	// A table made in one is not in the other.
	first, second := connect(t, dsns[0]), connect(t, dsns[1])
	if _, err := first.Exec(t.Context(), "CREATE TABLE only_here (id int)"); err != nil {
		t.Fatalf("create table: %v", err)
	}
	if n := queryInt(t, second, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_here'"); n != 0 {
		t.Errorf("the table made in %s is in %s too", names[0], names[1])
	}
	if n := queryInt(t, first, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_here'"); n != 1 {
		t.Errorf("the table made in %s is not there", names[0])
	}
}

func TestNewDropsTheDatabaseWhenTheTestEnds(t *testing.T) {
	admin, ok := AdminDSN()
	if !ok {
		unset.skip(t)
	}
	var name string
	var left *pgx.Conn
	t.Run("uses a database", func(t *testing.T) {
		dsn := New(t)
		// A connection still open when the test ends must not stop the drop.
		var err error
		left, err = pgx.Connect(t.Context(), dsn)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		if err := left.QueryRow(t.Context(), "SELECT current_database()").Scan(&name); err != nil {
			t.Fatalf("current_database: %v", err)
		}
	})
	if left == nil {
		t.Fatal("the subtest made no database")
	}
	defer left.Close(context.Background())
	conn := connect(t, admin)
	if n := queryInt(t, conn, "SELECT count(*) FROM pg_database WHERE datname = $1", name); n != 0 {
		t.Errorf("database %s still exists after its test ended", name)
	}
	if err := left.Ping(t.Context()); err == nil {
		t.Errorf("a connection to the dropped database %s still works", name)
	}
}

func TestSkipWithoutAServer(t *testing.T) {
	var stderr bytes.Buffer
	s := &skipper{w: &stderr}
	for _, name := range []string{"first", "second"} {
		var sub testing.TB
		t.Run(name, func(t *testing.T) {
			sub = t
			s.skip(t)
			t.Error("skip returned")
		})
		if !sub.Skipped() {
			t.Errorf("the %s test did not skip", name)
		}
	}
	if got := stderr.String(); got != skipLine {
		t.Errorf("stderr after two skips = %q, want the line once: %q", got, skipLine)
	}
	if !strings.HasPrefix(skipLine, "PostgreSQL tests SKIPPED: set "+EnvVar+"=postgres://") || !strings.HasSuffix(skipLine, " to run them\n") {
		t.Errorf("skip line %q does not say how to run the tests", skipLine)
	}
}

func TestCreateFailsOnABadServer(t *testing.T) {
	// Not a subtest whose failure would fail this test: a fake TB that
	// records the Fatalf.
	tb := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		create(tb, "postgres://postgres@"+loopback.ClosedAddr(t)+"/test?sslmode=disable&connect_timeout=5")
	}()
	<-done
	if !strings.Contains(tb.fatal, "create database secbrief_t_") {
		t.Errorf("create on a closed port: Fatalf(%q), want it to name the database", tb.fatal)
	}
}

// recorder is a testing.TB whose Fatalf records the message and ends the
// goroutine, as the real one does.
type recorder struct {
	testing.TB
	fatal string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestProxyCutEndsAConnection(t *testing.T) {
	// What tests of the store will do: reach the database through
	// tcpproxy, cut, and see the client fail and then reconnect.
	dsn := New(t)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := tcpproxy.New(t, net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))))
	host, port, _ := net.SplitHostPort(p.Addr())
	proxied := "postgres://" + cfg.User + "@" + host + ":" + port + "/" + cfg.Database + "?sslmode=disable"

	conn := connect(t, proxied)
	if n := queryInt(t, conn, "SELECT 1"); n != 1 {
		t.Fatalf("SELECT 1 = %d", n)
	}
	p.Cut()
	if err := conn.Ping(t.Context()); err == nil {
		t.Error("a query on a cut connection succeeded")
	}
	if n := queryInt(t, connect(t, proxied), "SELECT 2"); n != 2 {
		t.Errorf("SELECT 2 = %d after reconnecting", n)
	}
}
