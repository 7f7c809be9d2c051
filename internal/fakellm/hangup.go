package fakellm

import "time"

// blockedFor is long enough that no test outlives it: a Blocked response
// only ends when its client hangs up.
const blockedFor = 24 * time.Hour

// Blocked is a response that does not come: the request waits until its
// client hangs up, as an LLM call nobody waits for any more should. See
// HangUps and OnHangUp.
func Blocked() Response { return Response{Latency: blockedFor} }

// HangUps is the number of requests whose client hung up (cancelled the
// request) before the response was written.
func (s *Server) HangUps() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hangUps
}

// OnHangUp sets a function told about every request whose client hangs up
// before its response is written (nil for none). It runs on the request's
// goroutine, after HangUps counts it.
func (s *Server) OnHangUp(f func(Request)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onHangUp = f
}

// hungUp records that req's client left before the reply.
func (s *Server) hungUp(req Request) {
	s.mu.Lock()
	s.hangUps++
	f := s.onHangUp
	s.mu.Unlock()
	if f != nil {
		f(req)
	}
}
