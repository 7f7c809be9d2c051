package fakellm

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Azure is a Server reached the way Azure OpenAI is: POST
// /openai/deployments/{deployment}/chat/completions?api-version=…, with
// the key in the api-key header. Every other path is a 404. Scripting,
// latency and the recorded requests are the embedded Server's.
type Azure struct {
	*Server

	mu      sync.Mutex
	targets []string // request URIs (path and query) in arrival order
}

// NewAzure starts an Azure-style server that is closed when the test ends.
func NewAzure(tb testing.TB) *Azure {
	tb.Helper()
	a := &Azure{Server: &Server{responder: DefaultResponder}}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serveAzure))
	tb.Cleanup(a.Close)
	return a
}

// Endpoint is the resource endpoint (no path), what llm.base_url is set
// to for Azure.
func (a *Azure) Endpoint() string { return a.srv.URL }

// Targets returns the path and query of every request, e.g.
// "/openai/deployments/gpt-4o.mini/chat/completions?api-version=2024-10-21".
func (a *Azure) Targets() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.targets...)
}

func (a *Azure) serveAzure(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.targets = append(a.targets, r.URL.RequestURI())
	a.mu.Unlock()
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/openai/deployments/")
	deployment, ok2 := strings.CutSuffix(rest, "/chat/completions")
	if !ok || !ok2 || deployment == "" || strings.Contains(deployment, "/") || r.URL.Query().Get("api-version") == "" {
		writeError(w, http.StatusNotFound, "invalid_request_error", "404",
			"fakellm azure serves POST /openai/deployments/{deployment}/chat/completions?api-version=…, not "+r.URL.RequestURI())
		return
	}
	// The rest is the OpenAI-compatible server's.
	r2 := r.Clone(r.Context())
	r2.URL.Path, r2.URL.RawPath = "/v1/chat/completions", ""
	a.serveHTTP(w, r2)
}
