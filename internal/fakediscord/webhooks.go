package fakediscord

import (
	"net/http"
)

// webhookTarget resolves /webhooks/{app}/{token}: the interaction and,
// when mid is set, the message (@original or a follow-up id).
func (s *Server) webhookTarget(w http.ResponseWriter, r *http.Request, withMessage bool) (*interactionState, *Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var st *interactionState
	if r.PathValue("app") == s.app.ID {
		st = s.byToken[r.PathValue("token")]
	}
	if st == nil {
		writeError(w, http.StatusNotFound, CodeUnknownWebhook, "Unknown Webhook")
		return nil, nil, false
	}
	if s.opts.Now().Sub(st.dispatchedClock) > webhookTokenLife {
		writeError(w, http.StatusUnauthorized, CodeInvalidWebhookToken, "Invalid Webhook Token")
		return nil, nil, false
	}
	if !withMessage {
		return st, nil, true
	}
	var m *Message
	if mid := r.PathValue("mid"); mid == "@original" {
		m = st.original
	} else {
		for _, f := range st.followups {
			if f.ID == mid {
				m = f
			}
		}
	}
	if m == nil || m.Deleted {
		writeError(w, http.StatusNotFound, CodeUnknownMessage, "Unknown Message")
		return nil, nil, false
	}
	return st, m, true
}

func (s *Server) getWebhookMessage(w http.ResponseWriter, r *http.Request, _ *Request) {
	if _, m, ok := s.webhookTarget(w, r, true); ok {
		s.writeMessage(w, m)
	}
}

func (s *Server) patchWebhookMessage(w http.ResponseWriter, r *http.Request, req *Request) {
	_, m, ok := s.webhookTarget(w, r, true)
	if !ok {
		return
	}
	s.editMessage(w, req, m, nil, true)
}

func (s *Server) deleteWebhookMessage(w http.ResponseWriter, r *http.Request, _ *Request) {
	_, m, ok := s.webhookTarget(w, r, true)
	if !ok {
		return
	}
	s.mu.Lock()
	m.Deleted = true
	s.mu.Unlock()
	writeJSON(w, http.StatusNoContent, nil)
}

// postFollowup creates a follow-up message (POST /webhooks/{app}/{token}).
func (s *Server) postFollowup(w http.ResponseWriter, r *http.Request, req *Request) {
	st, _, ok := s.webhookTarget(w, r, false)
	if !ok {
		return
	}
	b, ok := newMessageBody(w, req, false)
	if !ok {
		return
	}
	s.mu.Lock()
	if !st.Acked() {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, CodeUnknownWebhook, "Unknown Webhook")
		return
	}
	chID := st.ChannelID
	if t := r.URL.Query().Get("thread_id"); t != "" {
		chID = t
	}
	ch := Channel{ID: chID, GuildID: st.GuildID}
	if c := s.channels[chID]; c != nil {
		ch = c.Channel
	}
	m := s.newBotMessage(ch, b, req.Files)
	m.Flags &= FlagEphemeral | 1<<2
	m.InteractionID = st.ID
	st.followups = append(st.followups, m)
	if !m.Ephemeral() {
		s.storeLocked(m)
	}
	wire := m.wire()
	s.mu.Unlock()
	if !m.Ephemeral() {
		s.dispatchMessageEvent("MESSAGE_CREATE", wire, ch.GuildID, true)
	}
	writeJSON(w, http.StatusOK, wire)
}
