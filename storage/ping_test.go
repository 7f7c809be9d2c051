package storage

import (
	"path/filepath"
	"testing"
)

func TestPingAnswersUntilClosed(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "secbrief.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping on an open store: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); err == nil {
		t.Fatal("Ping on a closed store answered nil")
	}
}
