package fakediscord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// Gateway intents the fake looks at.
const (
	intentGuilds         = 1 << 0
	intentGuildMessages  = 1 << 9
	intentDirectMessages = 1 << 12
	// IntentMessageContent is the privileged Message Content intent.
	IntentMessageContent = 1 << 15
	privilegedIntents    = 1<<1 | 1<<8 | IntentMessageContent
)

// ErrNoSession is returned by dispatches when no gateway session is READY.
var ErrNoSession = errors.New("fakediscord: no gateway session is ready")

// Identify is one IDENTIFY the gateway received.
type Identify struct {
	Token    string
	Intents  int
	Shard    [2]int
	Compress bool
	Accepted bool
	At       time.Time
}

// Identifies lists every IDENTIFY received, in order.
func (s *Server) Identifies() []Identify {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Identify(nil), s.identifies...)
}

// Readies counts the READY events sent (accepted IDENTIFYs).
func (s *Server) Readies() int {
	n := 0
	for _, id := range s.Identifies() {
		if id.Accepted {
			n++
		}
	}
	return n
}

// Resumes counts successful RESUMEs.
func (s *Server) Resumes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resumes
}

// Heartbeats counts the heartbeats (op 1) received (and acknowledged,
// unless WithholdAcks is on).
func (s *Server) Heartbeats() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.heartbeats
}

// WaitReady waits until a session has received READY and its GUILD_CREATEs.
func (s *Server) WaitReady(ctx context.Context) error {
	if err := s.Wait(ctx, func() bool { return s.Readies() > 0 }); err != nil {
		return fmt.Errorf("wait for READY: %w", err)
	}
	return nil
}

// WaitResumes waits until at least n RESUMEs have succeeded.
func (s *Server) WaitResumes(ctx context.Context, n int) error {
	if err := s.Wait(ctx, func() bool { return s.Resumes() >= n }); err != nil {
		return fmt.Errorf("wait for %d resumes: %w", n, err)
	}
	return nil
}

// DropConnection closes every gateway connection abruptly (no close frame),
// as a network failure would; discordgo reconnects and RESUMEs. Events
// dispatched meanwhile are replayed on resume. It returns how many
// connections were dropped.
func (s *Server) DropConnection() int {
	conns := s.liveConnList()
	for _, c := range conns {
		c.abort()
	}
	return len(conns)
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// serveGateway runs one gateway connection: HELLO, then IDENTIFY or
// RESUME, then heartbeats until the connection ends.
func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	if v := r.URL.Query().Get("v"); v != "9" && v != "10" {
		http.Error(w, "unsupported gateway version "+v, http.StatusBadRequest)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &wsConn{ws: ws}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.abort()
		return
	}
	s.liveConns[c] = struct{}{}
	s.conns.Add(1)
	s.mu.Unlock()
	defer s.conns.Done()
	var sess *gwSession
	defer func() {
		s.mu.Lock()
		delete(s.liveConns, c)
		s.mu.Unlock()
		if sess != nil {
			sess.mu.Lock()
			if sess.conn == c {
				sess.conn = nil
			}
			sess.mu.Unlock()
		}
		c.abort()
		s.changed.broadcast()
	}()
	hello := map[string]any{"op": 10, "s": nil, "t": nil, "d": map[string]any{"heartbeat_interval": s.opts.HeartbeatInterval.Milliseconds()}}
	if c.writeJSON(hello) != nil {
		return
	}
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) && (ce.Code == websocket.CloseNormalClosure || ce.Code == websocket.CloseGoingAway) && sess != nil && !c.closing.Load() {
				s.endSession(sess) // a clean close ends the session, as on Discord
			}
			return
		}
		var frame struct {
			Op int             `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if json.Unmarshal(data, &frame) != nil {
			c.closeWith(4002, "Error while decoding payload.")
			return
		}
		switch frame.Op {
		case 1:
			s.mu.Lock()
			withhold := s.withholdAcks
			s.mu.Unlock()
			if !withhold {
				_ = c.writeJSON(map[string]any{"op": 11, "s": nil, "t": nil, "d": nil})
			}
			// Counted once acknowledged: what a test sends after seeing the
			// count reaches the client after the ACK.
			s.mu.Lock()
			s.heartbeats++
			s.mu.Unlock()
			s.changed.broadcast()
		case 2:
			if sess != nil {
				c.closeWith(4005, "Already authenticated.")
				return
			}
			if sess = s.identify(c, frame.D); sess == nil {
				return
			}
		case 6:
			sess = s.resume(c, frame.D)
		}
	}
}

func (s *Server) validToken(t string) bool { return t == "Bot "+s.opts.Token || t == s.opts.Token }

// identify starts a session and sends READY and the GUILD_CREATEs; nil
// when the connection was closed instead.
func (s *Server) identify(c *wsConn, raw json.RawMessage) *gwSession {
	var d struct {
		Token    string  `json:"token"`
		Intents  int     `json:"intents"`
		Shard    *[2]int `json:"shard"`
		Compress bool    `json:"compress"`
	}
	if json.Unmarshal(raw, &d) != nil {
		c.closeWith(4002, "Error while decoding payload.")
		return nil
	}
	rec := Identify{Token: d.Token, Intents: d.Intents, Shard: [2]int{0, 1}, Compress: d.Compress, At: time.Now()}
	if d.Shard != nil {
		rec.Shard = *d.Shard
	}
	code, reason := 0, ""
	switch {
	case !s.validToken(d.Token):
		code, reason = 4004, "Authentication failed."
	case rec.Shard[1] < 1 || rec.Shard[0] < 0 || rec.Shard[0] >= rec.Shard[1]:
		code, reason = 4010, "Invalid shard."
	case d.Intents&privilegedIntents&s.opts.DisallowedIntents != 0:
		code, reason = 4014, "Disallowed intent(s)."
	}
	rec.Accepted = code == 0
	sess := &gwSession{id: randomHex(16), token: d.Token, intents: d.Intents, shard: rec.Shard, conn: c}
	s.mu.Lock()
	s.identifies = append(s.identifies, rec)
	if code == 0 {
		s.sessions[sess.id] = sess
	}
	s.mu.Unlock()
	defer s.changed.broadcast()
	if code != 0 {
		c.closeWith(code, reason)
		return nil
	}
	var unavailable []any
	var creates []map[string]any
	for _, g := range s.guilds {
		if sess.covers(g) {
			unavailable = append(unavailable, map[string]any{"id": g, "unavailable": true})
			creates = append(creates, s.guildWire(g))
		}
	}
	sess.mu.Lock()
	defer sess.mu.Unlock()
	sess.ready = true
	sess.sendLocked("READY", map[string]any{
		"v": 10, "session_id": sess.id, "session_type": "normal",
		"resume_gateway_url": s.GatewayURL(), "user": s.botUserWire(), "application": map[string]any{"id": s.app.ID, "flags": 1 << 19},
		"guilds": unavailable, "shard": rec.Shard, "private_channels": []any{}, "relationships": []any{},
		"presences": []any{}, "guild_join_requests": []any{}, "geo_ordered_rtc_regions": []any{},
		"user_settings": map[string]any{}, "auth": map[string]any{}, "_trace": []any{"fakediscord"},
	})
	if d.Intents&intentGuilds != 0 {
		for _, g := range creates {
			sess.sendLocked("GUILD_CREATE", g)
		}
	}
	return sess
}

// resume re-attaches a session to c and replays what it missed; nil when
// the session cannot be resumed (the client gets op 9 and re-identifies).
func (s *Server) resume(c *wsConn, raw json.RawMessage) *gwSession {
	var d struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	_ = json.Unmarshal(raw, &d)
	s.mu.Lock()
	sess := s.sessions[d.SessionID]
	s.mu.Unlock()
	if sess == nil || sess.token != d.Token || !s.validToken(d.Token) {
		_ = c.writeJSON(map[string]any{"op": 9, "s": nil, "t": nil, "d": false})
		return nil
	}
	sess.mu.Lock()
	if old := sess.conn; old != nil && old != c {
		old.abort()
	}
	sess.conn = c
	for i := d.Seq; i >= 0 && i < int64(len(sess.history)); i++ {
		if c.write(sess.history[i]) != nil {
			break
		}
	}
	sess.sendLocked("RESUMED", map[string]any{"_trace": []any{"fakediscord"}})
	sess.mu.Unlock()
	s.mu.Lock()
	s.resumes++
	s.mu.Unlock()
	s.changed.broadcast()
	return sess
}

func (s *Server) endSession(sess *gwSession) {
	s.mu.Lock()
	delete(s.sessions, sess.id)
	s.mu.Unlock()
	sess.mu.Lock()
	sess.ready = false
	sess.mu.Unlock()
}

// readySessions lists sessions that can take dispatches for guildID.
func (s *Server) readySessions(guildID string) []*gwSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*gwSession
	for _, g := range s.sessions {
		g.mu.Lock()
		ready := g.ready
		g.mu.Unlock()
		if ready && g.covers(guildID) {
			out = append(out, g)
		}
	}
	return out
}

// dispatch sends event t to every session of guildID's shard whose intents
// include intent (0: no intent needed). It reports how many got it.
func (s *Server) dispatch(t string, d any, guildID string, intent int) int {
	n := 0
	for _, g := range s.readySessions(guildID) {
		if intent == 0 || g.intents&intent != 0 {
			g.send(t, d)
			n++
		}
	}
	return n
}

// dispatchMessageEvent sends a MESSAGE_* event; sessions without the
// Message Content intent get a human's message without its content unless
// it mentions the bot.
func (s *Server) dispatchMessageEvent(t string, wire map[string]any, guildID string, botAuthored bool) {
	s.dispatchEncodedMessageEvent(t, wire, nil, guildID, botAuthored)
}

// dispatchEncodedMessageEvent is dispatchMessageEvent with wire's JSON
// encoding when the caller has it (nil: encoded here, once for every
// session that gets it whole).
func (s *Server) dispatchEncodedMessageEvent(t string, wire map[string]any, encoded []byte, guildID string, botAuthored bool) {
	intent := intentGuildMessages
	if guildID == "" {
		intent = intentDirectMessages
	}
	for _, g := range s.readySessions(guildID) {
		if g.intents&intent == 0 {
			continue
		}
		if !botAuthored && guildID != "" && g.intents&IntentMessageContent == 0 && !mentionsUser(wire, s.app.ID) {
			d := make(map[string]any, len(wire))
			for k, v := range wire {
				d[k] = v
			}
			d["content"], d["embeds"], d["attachments"], d["components"] = "", []any{}, []any{}, []any{}
			g.send(t, d)
			continue
		}
		if encoded == nil {
			encoded = encodeEvent(t, wire)
		}
		g.sendRaw(t, encoded, nil)
	}
}

func mentionsUser(wire map[string]any, id string) bool {
	list, _ := wire["mentions"].([]any)
	for _, m := range list {
		if u, ok := m.(map[string]any); ok && u["id"] == id {
			return true
		}
	}
	return false
}

func (s *Server) botUserWire() map[string]any {
	u := s.app.wire()
	u["verified"] = true
	u["mfa_enabled"] = false
	return u
}
