package fakellm

import (
	"net/http"
	"strings"
	"testing"
)

func TestAzureRoutes(t *testing.T) {
	a := NewAzure(t)
	body := `{"model":"m","messages":[{"role":"user","content":"hi"}]}`
	tests := []struct {
		target string
		status int
	}{
		{"/openai/deployments/my.dep/chat/completions?api-version=2024-10-21", http.StatusOK},
		{"/openai/deployments/my.dep/chat/completions", http.StatusNotFound},
		{"/v1/chat/completions?api-version=2024-10-21", http.StatusNotFound},
		{"/openai/deployments//chat/completions?api-version=1", http.StatusNotFound},
	}
	for _, tt := range tests {
		resp, err := http.Post(a.Endpoint()+tt.target, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d", tt.target, resp.StatusCode, tt.status)
		}
	}
	if got := a.Targets(); len(got) != len(tests) || got[0] != tests[0].target {
		t.Errorf("targets %v", got)
	}
	if a.Calls() != 1 {
		t.Errorf("calls %d, want 1 (only the routed request reaches the chat server)", a.Calls())
	}
}
