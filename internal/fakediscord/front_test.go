package fakediscord

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestGatewayFront: the front answers GET /gateway/bot with the server's
// gateway URL for any token, and 404 to anything else.
func TestGatewayFront(t *testing.T) {
	s := New(t, Options{})
	front := s.GatewayFront(t)
	get := func(path string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, front+path, nil)
		req.Header.Set("Authorization", "Bot not-the-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	for _, path := range []string{"/api/v9/gateway/bot", "/api/v10/gateway/bot"} {
		resp := get(path)
		var body struct {
			URL string `json:"url"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK || body.URL != s.GatewayURL() {
			t.Errorf("GET %s = %d %+v (%v), want 200 with %s", path, resp.StatusCode, body, err, s.GatewayURL())
		}
	}
	if resp := get("/api/v9/users/@me"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /users/@me = %d, want 404", resp.StatusCode)
	}
}
