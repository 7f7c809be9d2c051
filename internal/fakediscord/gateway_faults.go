package fakediscord

// Gateway faults: what Discord does to a healthy connection now and then
// (asks for a heartbeat or a reconnect, invalidates the session, closes
// with a gateway close code, stops acknowledging heartbeats), for testing a
// gateway client's recovery. Each acts on every live gateway connection
// and returns how many it reached.

// liveConnList is a snapshot of the open gateway connections.
func (s *Server) liveConnList() []*wsConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	conns := make([]*wsConn, 0, len(s.liveConns))
	for c := range s.liveConns {
		conns = append(conns, c)
	}
	return conns
}

// sendOp writes a non-dispatch payload to every live connection.
func (s *Server) sendOp(op int, d any) int {
	n := 0
	for _, c := range s.liveConnList() {
		if c.writeJSON(map[string]any{"op": op, "s": nil, "t": nil, "d": d}) == nil {
			n++
		}
	}
	return n
}

// RequestHeartbeat sends op 1 HEARTBEAT: the client must heartbeat at once.
func (s *Server) RequestHeartbeat() int { return s.sendOp(1, nil) }

// RequestReconnect sends op 7 RECONNECT: the client should reconnect and
// resume. The connection stays open until the client closes it; the
// session stays resumable.
func (s *Server) RequestReconnect() int { return s.sendOp(7, nil) }

// InvalidateSession sends op 9 INVALID SESSION with d = resumable. When
// not resumable, the sessions of those connections end first, as on
// Discord: a RESUME of them then gets op 9 again and the client must
// IDENTIFY.
func (s *Server) InvalidateSession(resumable bool) int {
	if !resumable {
		conns := map[*wsConn]bool{}
		for _, c := range s.liveConnList() {
			conns[c] = true
		}
		s.mu.Lock()
		var ended []*gwSession
		for _, g := range s.sessions {
			g.mu.Lock()
			if g.conn != nil && conns[g.conn] {
				ended = append(ended, g)
			}
			g.mu.Unlock()
		}
		s.mu.Unlock()
		for _, g := range ended {
			s.endSession(g)
		}
	}
	n := s.sendOp(9, resumable)
	s.changed.broadcast()
	return n
}

// CloseGateway closes every live gateway connection with a close frame
// carrying code (e.g. 4000 unknown error, 4009 session timed out, 4014
// disallowed intents). Sessions stay resumable whatever the code, so a
// test sees in Resumes whether the client resumed after a code that
// forbids it.
func (s *Server) CloseGateway(code int, reason string) int {
	conns := s.liveConnList()
	for _, c := range conns {
		c.closeWith(code, reason)
	}
	return len(conns)
}

// WithholdAcks makes the gateway stop (on) or resume (off) acknowledging
// heartbeats with op 11, so a client's zombie-connection detection can be
// tested. Heartbeats are still counted by Heartbeats.
func (s *Server) WithholdAcks(on bool) {
	s.mu.Lock()
	s.withholdAcks = on
	s.mu.Unlock()
}

// Sessions counts the gateway sessions that have not ended: a client's
// clean close (1000 or 1001) ends its session, a dropped connection or
// another close code leaves it resumable.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}
