package metrics

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"
)

// Pinger is what /healthz asks whether the store answers; *storage.Store
// satisfies it.
type Pinger interface {
	Ping(ctx context.Context) error
}

// pingTimeout bounds the store check, so a stuck database makes /healthz
// say so instead of hanging the supervisor's probe.
const pingTimeout = 2 * time.Second

// health is the one-line JSON body of /healthz.
type health struct {
	Status string `json:"status"`           // ok or unavailable
	Reason string `json:"reason,omitempty"` // why not ok
}

// Health returns the /healthz handler: 200 {"status":"ok"} while the
// gateway session is up and store answers, else 503 with the reason. The
// reason is short and fixed (the endpoint may be reachable by more than the
// operator); the store's error goes to log.
func (m *Metrics) Health(store Pinger, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := health{Status: "ok"}
		switch {
		case !m.connected.Load():
			h = health{Status: "unavailable", Reason: "discord gateway session not ready"}
		default:
			ctx, cancel := context.WithTimeout(r.Context(), pingTimeout)
			err := store.Ping(ctx)
			cancel()
			if err != nil {
				log.WarnContext(r.Context(), "health check: store not answering", "err", err)
				h = health{Status: "unavailable", Reason: "store not answering"}
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if h.Status != "ok" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(h) // one line: Encode ends it with \n
	})
}
