package fakediscord

import (
	"net/http"
	"net/http/httptest"
	"strings"
)

// stall withholds the response to one matching request.
type stall struct {
	method, prefix string
	skip           int
	taken          bool
	arrived        chan struct{}
	release        chan struct{}
}

// Stall makes one request whose method and path prefix match, after skip
// earlier matching ones, take effect as usual (a message is created, say)
// while its response is withheld until release is called or the client
// goes away: Discord acted, but the bot never heard. arrived is closed when
// that request has been processed. Use it to crash a bot between two
// messages.
func (s *Server) Stall(method, pathPrefix string, skip int) (arrived <-chan struct{}, release func()) {
	st := &stall{method: method, prefix: pathPrefix, skip: skip, arrived: make(chan struct{}), release: make(chan struct{})}
	s.mu.Lock()
	s.stalls = append(s.stalls, st)
	s.mu.Unlock()
	var once bool
	return st.arrived, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !once {
			once = true
			close(st.release)
		}
	}
}

// takeStall returns the stall this request triggers, if any.
func (s *Server) takeStall(req Request) *stall {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.stalls {
		if st.taken || (st.method != "" && st.method != req.Method) || !strings.HasPrefix(req.Path, st.prefix) {
			continue
		}
		if st.skip > 0 {
			st.skip--
			continue
		}
		st.taken = true
		return st
	}
	return nil
}

// serveStalled runs h into a buffer, signals arrival, and writes the
// response only once released; a client that hangs up first gets nothing.
func (st *stall) serve(w http.ResponseWriter, r *http.Request, run func(http.ResponseWriter)) {
	rec := httptest.NewRecorder()
	run(rec)
	close(st.arrived)
	select {
	case <-st.release:
	case <-r.Context().Done():
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}
