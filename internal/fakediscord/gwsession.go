package fakediscord

import (
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// wsConn is one websocket connection with serialized writes.
type wsConn struct {
	ws      *websocket.Conn
	writeMu sync.Mutex
	// closing is set by closeWith: a close frame read after it is the
	// client's echo of the server's, not the client ending its session.
	closing atomic.Bool
}

func (c *wsConn) write(frame []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, frame)
}

func (c *wsConn) writeJSON(v any) error {
	frame, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode gateway frame: %w", err)
	}
	return c.write(frame)
}

// closeWith sends a close frame with a gateway close code, then closes.
func (c *wsConn) closeWith(code int, reason string) {
	c.closing.Store(true)
	c.writeMu.Lock()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
	c.writeMu.Unlock()
	c.abort()
}

func (c *wsConn) abort() { _ = c.ws.UnderlyingConn().Close() }

// gwSession is a gateway session: it outlives connections so it can resume.
type gwSession struct {
	id      string
	token   string
	intents int
	shard   [2]int

	mu      sync.Mutex
	seq     int64
	history [][]byte // every dispatch sent, index i has seq i+1
	conn    *wsConn
	ready   bool
}

// send dispatches one event; without a connection it is kept for RESUME.
func (g *gwSession) send(t string, d any) { g.sendRaw(t, encodeEvent(t, d), nil) }

func (g *gwSession) sendLocked(t string, d any) { g.sendRawLocked(t, encodeEvent(t, d), nil) }

// encodeEvent encodes the data of event t; the fake's own values always
// encode.
func encodeEvent(t string, d any) []byte {
	raw, err := json.Marshal(d)
	if err != nil {
		panic(fmt.Sprintf("fakediscord: encode %s: %v", t, err))
	}
	return raw
}

// sendRaw dispatches event t whose data d is already encoded. onWire, when
// not nil, is called with the time the frame is handed to the connection
// (not when it is only kept for RESUME); it runs with g.mu held and must
// not take s.mu.
func (g *gwSession) sendRaw(t string, d []byte, onWire func(time.Time)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.ready {
		return
	}
	g.sendRawLocked(t, d, onWire)
}

func (g *gwSession) sendRawLocked(t string, d []byte, onWire func(time.Time)) {
	g.seq++
	frame := dispatchFrame(t, g.seq, d)
	g.history = append(g.history, frame)
	if g.conn != nil && onWire != nil {
		onWire(time.Now())
	}
	if g.conn != nil && g.conn.write(frame) != nil {
		g.conn.abort()
		g.conn = nil
	}
}

// dispatchFrame is the op 0 payload of event t with sequence seq and the
// encoded event data d.
func dispatchFrame(t string, seq int64, d []byte) []byte {
	frame := make([]byte, 0, len(d)+len(t)+48)
	frame = append(frame, `{"t":`...)
	frame = strconv.AppendQuote(frame, t) // event names are [A-Z_]: Go and JSON quote them alike
	frame = append(frame, `,"s":`...)
	frame = strconv.AppendInt(frame, seq, 10)
	frame = append(frame, `,"op":0,"d":`...)
	frame = append(frame, d...)
	return append(frame, '}')
}

// covers reports whether guildID belongs to this session's shard.
func (g *gwSession) covers(guildID string) bool {
	return ShardOf(guildID, g.shard[1]) == g.shard[0]
}

// ShardOf is the shard of shardCount that owns guildID by Discord's rule,
// (guild_id >> 22) % shard_count; DMs ("") go to shard 0, and so does
// everything when shardCount is below 2.
func ShardOf(guildID string, shardCount int) int {
	if shardCount <= 1 || guildID == "" {
		return 0
	}
	id, _ := strconv.ParseUint(guildID, 10, 64)
	return int((id >> 22) % uint64(shardCount))
}
