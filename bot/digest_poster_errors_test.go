package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/internal/fakediscord"
	"github.com/secbrief/secbrief/news"
)

// stubDiscord answers message creates with createStatus and createCode
// (200 and a new message when createStatus is 200) and thread starts with
// 403 Missing Permissions, for the answers fakediscord does not give.
func stubDiscord(t *testing.T, createStatus, createCode int) (*discordgo.Session, string) {
	t.Helper()
	const token = "stub-secret-token"
	var mu sync.Mutex
	next := 100
	h := http.NewServeMux()
	writeJSON := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	h.HandleFunc("POST /api/v9/channels/{cid}/messages", func(w http.ResponseWriter, r *http.Request) {
		if createStatus != http.StatusOK {
			writeJSON(w, createStatus, map[string]any{"message": "refused", "code": createCode})
			return
		}
		mu.Lock()
		next++
		id := fmt.Sprint(next)
		mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"id": id, "channel_id": r.PathValue("cid"), "content": ""})
	})
	h.HandleFunc("POST /api/v9/channels/{cid}/messages/{mid}/threads", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusForbidden, map[string]any{"message": "Missing Permissions", "code": discordgo.ErrCodeMissingPermissions})
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	tr, err := fakediscord.Transport(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	s, err := discordgo.New("Bot " + token)
	if err != nil {
		t.Fatal(err)
	}
	s.Client = &http.Client{Transport: tr, Timeout: 20 * time.Second}
	s.LogLevel = discordgo.LogError
	return s, token
}

func TestDigestPosterErrorClasses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name          string
		status, code  int
		undeliverable bool
	}{
		{"missing access", http.StatusForbidden, discordgo.ErrCodeMissingAccess, true},
		{"missing permissions", http.StatusForbidden, discordgo.ErrCodeMissingPermissions, true},
		{"invalid form body", http.StatusBadRequest, discordgo.ErrCodeInvalidFormBody, true},
		{"payload too large", http.StatusRequestEntityTooLarge, 40005, true},
		{"not found without a code", http.StatusNotFound, 0, true},
		{"rate limited", http.StatusTooManyRequests, 0, false},
		{"server error", http.StatusInternalServerError, 0, false},
		{"service unavailable", http.StatusServiceUnavailable, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, _ := stubDiscord(t, tc.status, tc.code)
			s.ShouldRetryOnRateLimit = false // the stub answers 429 forever
			p := NewDigestPoster(s, nil)
			_, err := p.PostDigest(context.Background(), testDigest("77", 3), "sbd1", nil, nil)
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, news.ErrUndeliverable) != tc.undeliverable {
				t.Errorf("err = %v, undeliverable want %v", err, tc.undeliverable)
			}
			if restCode(err) != tc.code || !strings.Contains(err.Error(), "post digest part 1/2 to channel 77") {
				t.Errorf("err = %v, want code %d with context", err, tc.code)
			}
			if tc.undeliverable && !strings.Contains(err.Error(), fmt.Sprintf("(HTTP %d, code %d)", tc.status, tc.code)) {
				t.Errorf("err = %v, want the status and code said plainly", err)
			}
		})
	}
}

func TestDigestPosterThreadRefusedIsNotAnError(t *testing.T) {
	t.Parallel()
	s, token := stubDiscord(t, http.StatusOK, 0)
	var logs bytes.Buffer
	p := NewDigestPoster(s, slog.New(slog.NewTextHandler(&logs, nil)))
	rec := &partRecorder{failAt: -1}
	thread, err := p.PostDigest(context.Background(), testDigest("77", 3), "sbd2", nil, rec.posted)
	if err != nil || thread != "" {
		t.Fatalf("PostDigest: thread %q, err %v; want no thread and no error", thread, err)
	}
	if len(rec.parts) != 2 || !rec.parts[1].Last() {
		t.Errorf("parts %+v", rec.parts)
	}
	if !strings.Contains(logs.String(), "digest thread not opened") || !strings.Contains(logs.String(), "50013") {
		t.Errorf("thread failure not logged: %s", logs.String())
	}
	if strings.Contains(logs.String(), token) {
		t.Error("the log holds the bot token")
	}
}
