package article

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// gzipBomb returns a gzip stream of `mib` MiB of zeros: one member of 1
// MiB, repeated (gzip readers read concatenated members as one stream).
func gzipBomb(t *testing.T, mib int) []byte {
	t.Helper()
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	if _, err := zw.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.Repeat(member.Bytes(), mib)
}

func TestFetchGzipBombBounded(t *testing.T) {
	bomb := gzipBomb(t, 1024) // 1 GiB of zeros in about 1 MiB
	env := newTestEnv(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb)
	}))
	env.policy.MaxBytes = 1 << 20
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := env.fetcher().Fetch(t.Context(), env.url("public.test", "/"))
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	// The whole test process allocates well under the 1 GiB the bomb
	// expands to: the body is cut after 1 MiB of decompressed data.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("allocated %d MiB while fetching the bomb", alloc>>20)
	}
}

func TestFetchTooLargeDeclared(t *testing.T) {
	env := newTestEnv(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", strconv.Itoa(8<<20))
		w.Write(make([]byte, 64<<10)) // the rest never comes
	}))
	env.policy.MaxBytes = 1 << 20
	_, err := env.fetcher().Fetch(t.Context(), env.url("public.test", "/"))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

func TestFetchTimeouts(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		policy  func(*Policy)
		want    string
	}{
		{
			name: "stalls after the first bytes",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.Write([]byte("<html><body><p>The attackers"))
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			},
			policy: func(p *Policy) { p.IdleTimeout = 150 * time.Millisecond },
			want:   "no data for 150ms",
		},
		{
			name: "no headers",
			handler: func(_ http.ResponseWriter, r *http.Request) {
				<-r.Context().Done()
			},
			policy: func(p *Policy) { p.IdleTimeout = 150 * time.Millisecond },
			want:   "no data for 150ms",
		},
		{
			name: "trickles forever",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				tick := time.NewTicker(5 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-r.Context().Done():
						return
					case <-tick.C:
						if _, err := w.Write([]byte("a ")); err != nil {
							return
						}
						w.(http.Flusher).Flush()
					}
				}
			},
			policy: func(p *Policy) { p.Timeout = 300 * time.Millisecond },
			want:   "over 300ms",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, tt.handler)
			tt.policy(&env.policy)
			start := time.Now()
			_, err := env.fetcher().Fetch(t.Context(), env.url("public.test", "/"))
			if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want ErrTimeout and DeadlineExceeded", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to say %q", err, tt.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
}

func TestFetchRefusedTypeBodyNotRead(t *testing.T) {
	const total = 256 << 20
	written := make(chan int, 1)
	env := newTestEnv(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		chunk := make([]byte, 64<<10)
		n := 0
		for n < total {
			m, err := w.Write(chunk)
			n += m
			if err != nil {
				break
			}
		}
		written <- n
	}))
	_, err := env.fetcher().Fetch(t.Context(), env.url("public.test", "/doc.pdf"))
	if !errors.Is(err, ErrUnsupportedType) {
		t.Fatalf("err = %v, want ErrUnsupportedType", err)
	}
	if !strings.Contains(err.Error(), "content type application/pdf is not supported") {
		t.Errorf("message %q", err)
	}
	select {
	case n := <-written:
		// Only what socket buffers absorbed before the client hung up.
		if n >= total {
			t.Errorf("server wrote the whole %d MiB body", n>>20)
		}
		t.Logf("server wrote %d KiB before the connection closed", n>>10)
	case <-time.After(20 * time.Second):
		t.Fatal("server still writing: the client did not drop the body")
	}
}

func TestFetchRedirectLimitBoundary(t *testing.T) {
	// /r/N redirects N more times before the article.
	mux := http.NewServeMux()
	mux.HandleFunc("/r/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		if n == 0 {
			articleHandler(w, r)
			return
		}
		http.Redirect(w, r, "/r/"+strconv.Itoa(n-1), http.StatusFound)
	})
	tests := []struct {
		name      string
		max       int // Policy.MaxRedirects
		redirects int
		ok        bool
	}{
		{"default 5 followed", 0, 5, true},
		{"default 6th refused", 0, 6, false},
		{"one allowed", 1, 1, true},
		{"one allowed, two refused", 1, 2, false},
		{"none allowed", -1, 1, false},
		{"none needed", -1, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, mux)
			env.policy.MaxRedirects = tt.max
			_, err := env.fetcher().Fetch(t.Context(), env.url("public.test", "/r/"+strconv.Itoa(tt.redirects)))
			if tt.ok && err != nil {
				t.Fatalf("%d redirects: %v", tt.redirects, err)
			}
			if !tt.ok && (err == nil || !strings.Contains(err.Error(), "stopped after")) {
				t.Fatalf("%d redirects: err = %v, want stopped", tt.redirects, err)
			}
		})
	}
}
