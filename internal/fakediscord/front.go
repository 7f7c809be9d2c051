package fakediscord

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// GatewayFront starts a stand-in REST origin that answers GET /gateway/bot
// (API v9 and v10) with s's gateway URL whatever the token, as a REST
// proxy holding its own token or a cached answer may, and 404 to anything
// else; it returns its origin, the value for discord.api_base_url. A
// client whose token s does not accept then meets the refusal where the
// gateway shows it: its IDENTIFY is closed with 4004. The front stops when
// tb ends.
func (s *Server) GatewayFront(tb testing.TB) string {
	tb.Helper()
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, pre := range apiPrefixes {
			if r.Method == http.MethodGet && r.URL.Path == pre+"/gateway/bot" {
				s.getGatewayBot(w, r, nil)
				return
			}
		}
		writeError(w, http.StatusNotFound, 0, "404: Not Found")
	}))
	tb.Cleanup(front.Close)
	return front.URL
}
