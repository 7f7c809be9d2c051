// Package pgtest gives tests a fresh, empty PostgreSQL database each, on the
// server whose admin DSN is in the environment variable EnvVar, and drops it
// when the test ends. Without the variable the tests that need PostgreSQL
// skip, loudly.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvVar is the variable holding the admin DSN of a PostgreSQL server for tests.
const EnvVar = "SECBRIEF_TEST_POSTGRES"

// namePrefix starts the name of every database New makes, so that one left
// behind by a killed test run is easy to find and drop.
const namePrefix = "secbrief_t_"

// adminTimeout bounds each CREATE or DROP DATABASE, connection included.
const adminTimeout = 30 * time.Second

// skipLine is what the first skip of a process prints to stderr.
const skipLine = "PostgreSQL tests SKIPPED: set " + EnvVar +
	"=postgres://postgres@127.0.0.1:5432/test?sslmode=disable (an admin DSN) to run them\n"

// unset announces on stderr, once per test binary, that the PostgreSQL tests
// skip. It is package state because "once per process" is what it is for:
// go test shows a skip's message only with -v, and this line is how a plain
// `go test ./...` still says that a whole kind of test did not run.
var unset = &skipper{w: os.Stderr}

// skipper skips tests for want of a server, and says so on w the first time.
type skipper struct {
	once sync.Once
	w    io.Writer
}

// skip prints the line on the first call and skips tb.
func (s *skipper) skip(tb testing.TB) {
	tb.Helper()
	s.once.Do(func() { fmt.Fprint(s.w, skipLine) })
	tb.Skipf("PostgreSQL tests SKIPPED: %s is not set; set it to the admin DSN of a PostgreSQL server "+
		"(e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run this test", EnvVar)
}

// AdminDSN returns the admin DSN and whether it is set.
func AdminDSN() (string, bool) {
	dsn := os.Getenv(EnvVar)
	return dsn, dsn != ""
}

// New creates a fresh empty database for t (named secbrief_t_ and 16 random
// hex digits), drops it when t ends, even while connections to it are still
// open, and returns a DSN for it: the admin DSN with the database name
// replaced. When EnvVar is unset it skips t.
func New(t testing.TB) string {
	t.Helper()
	admin, ok := AdminDSN()
	if !ok {
		unset.skip(t)
	}
	return create(t, admin)
}

// create makes the database on the server of admin and arranges its drop.
func create(t testing.TB, admin string) string {
	t.Helper()
	name, err := newName()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	dsn, err := WithDatabase(admin, name)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", EnvVar, err)
	}
	ident := pgx.Identifier{name}.Sanitize()
	// template0 rather than the default template1: a database nothing was
	// ever installed into, and one nobody is connected to, which CREATE
	// DATABASE requires of its template.
	if err := execAdmin(admin, "CREATE DATABASE "+ident+" TEMPLATE template0 ENCODING 'UTF8'"); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		// FORCE ends the sessions the test left open, which would otherwise
		// make the drop fail.
		if err := execAdmin(admin, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return dsn
}

// newName returns a database name no other test has.
func newName() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random database name: %w", err)
	}
	return namePrefix + hex.EncodeToString(b), nil
}

// execAdmin runs one statement on a connection of its own to admin. It does
// not use the test's context: a cleanup runs after that is cancelled.
func execAdmin(admin, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("connect with %s: %w", EnvVar, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql); err != nil {
		return err
	}
	return conn.Close(ctx)
}
