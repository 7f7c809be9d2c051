// Package gateway keeps the bot's Discord gateway connection: HELLO,
// IDENTIFY or RESUME, heartbeats, reconnects, and the close codes that
// must stop the bot. It hands each dispatch to the caller undecoded.
//
// discordgo decodes every event into its Go type on its one reader
// goroutine before any handler runs, including the MESSAGE_CREATE echo of
// each of the bot's own answers. Under a burst of interactions that reader
// is the queue every member waits in. Here the reader only splits the
// envelope; the caller decodes each event in its handler's goroutine, so
// events are decoded in parallel, and skips the ones it does not need.
package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"runtime"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/secbrief/secbrief/internal/clock"
)

// Version is the gateway API version the connection speaks.
const Version = 10

// errInvalidSession is Discord's op 9: the session is invalid.
var errInvalidSession = errors.New("invalid session (op 9)")

// stableConnection is how long a connection must have lasted for the next
// reconnect to be immediate.
const stableConnection = 30 * time.Second

// maxFailedResumes is how many resume attempts in a row may fail before
// the session is given up and a new one identified.
const maxFailedResumes = 3

// Event is one dispatch (op 0).
type Event struct {
	Type string
	Seq  int64
	// Data is the event's "d", undecoded; the receiver owns it.
	Data json.RawMessage
}

// Options configure a Conn.
type Options struct {
	// Token is the bot token, without the "Bot " prefix.
	Token string
	// Intents are the gateway intents to IDENTIFY with.
	Intents int
	// ShardID and ShardCount select the shard; a count below 2 sends no
	// shard.
	ShardID, ShardCount int
	// URL returns the gateway URL to connect to (GET /gateway/bot), asked
	// again before each new session. An error wrapping ErrInvalidToken
	// ends Run; any other is retried with backoff, so it should name what
	// was asked of whom (the URL dialled).
	URL func(ctx context.Context) (string, error)
	// Dialer dials the websocket (default websocket.DefaultDialer).
	Dialer *websocket.Dialer
	// Dispatch receives every dispatch in order, on the reader goroutine:
	// it must return quickly (decode and handle in another goroutine).
	Dispatch func(Event)
	// Log receives connection events; never the token.
	Log *slog.Logger
	// Observe, when set, is told "ready" (a new session), "resumed",
	// "lost" (an open connection ended other than by Run's end or a refusal
	// for good) and "failed" (an attempt never opened a connection: the
	// gateway URL or the dial failed), on Run's goroutine.
	Observe func(event string)
	// MaxBackoff caps the wait between failed connection attempts
	// (default 60s). The first retry after a working connection is
	// immediate.
	MaxBackoff time.Duration
	// Clock times heartbeats and the waits between connections, and says
	// how long a connection lasted (default the wall clock). Tests pass a
	// fake one that moves only when told.
	Clock Clock
}

// Clock is the time source of a Conn.
type Clock interface {
	Now() time.Time
	// NewTimer returns a channel that receives once d has passed, and a
	// function that stops the timer.
	NewTimer(d time.Duration) (c <-chan time.Time, stop func() bool)
}

// WallClock is the real time, the default Clock.
type WallClock = clock.Wall

// Conn is a gateway connection that reconnects until its Run ends.
type Conn struct {
	opts Options
	log  *slog.Logger

	// session state, kept across connections for RESUME; only the Run
	// goroutine touches it.
	sessionID string
	resumeURL string
	seq       int64
}

// New returns a Conn; Run connects it.
func New(opts Options) *Conn {
	if opts.Dialer == nil {
		opts.Dialer = websocket.DefaultDialer
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 60 * time.Second
	}
	if opts.Dispatch == nil {
		opts.Dispatch = func(Event) {}
	}
	if opts.Observe == nil {
		opts.Observe = func(string) {}
	}
	if opts.Clock == nil {
		opts.Clock = WallClock{}
	}
	return &Conn{opts: opts, log: opts.Log}
}

// Run connects and serves events until ctx ends (it then closes the
// connection with 1000, which ends the session on Discord) or Discord
// refuses the session for good (*CloseError, ErrInvalidToken). Lost
// connections are resumed, invalidated sessions identified again, and
// attempts that fail (Discord unreachable) retried, with backoff between
// failures; each failure is logged once.
func (c *Conn) Run(ctx context.Context) error {
	backoff := time.Duration(0)
	failedResumes := 0
	failedAttempts := 0 // in a row, without opening a connection
	for {
		resuming := c.sessionID != ""
		began := c.opts.Clock.Now()
		got, err := c.connect(ctx)
		if ctx.Err() != nil {
			return nil
		}
		var ce *CloseError
		if errors.As(err, &ce) || errors.Is(err, ErrInvalidToken) {
			return err
		}
		worked := got == established
		switch {
		case worked && c.opts.Clock.Now().Sub(began) >= stableConnection:
			backoff, failedResumes = 0, 0
		case worked:
			// Up, then lost at once: keep backing off, or a server that
			// drops every new connection would be redialled in a loop.
			failedResumes = 0
		case resuming:
			// The resume host may be gone for good: after a few failed
			// attempts, start a new session from the gateway URL.
			if failedResumes++; failedResumes >= maxFailedResumes {
				c.sessionID, c.resumeURL, c.seq, failedResumes = "", "", 0, 0
			}
		}
		wait := backoff
		if errors.Is(err, errInvalidSession) {
			// Discord asks clients to wait 1–5 s before identifying again;
			// the connection is closed meanwhile, so nothing misses a beat.
			wait = time.Second + rand.N(4*time.Second)
		}
		if got == unreached {
			// No connection was opened, so none was lost: Discord (or the
			// REST proxy, or the network) is unreachable, or refuses.
			failedAttempts++
			c.opts.Observe("failed")
			c.log.Warn("gateway connection attempt failed", "err", err, "attempt", failedAttempts,
				"resumable", c.sessionID != "", "retry_in", wait)
		} else {
			failedAttempts = 0
			c.opts.Observe("lost")
			c.log.Warn("gateway connection lost", "err", err, "resumable", c.sessionID != "", "retry_in", wait)
		}
		timer, stop := c.opts.Clock.NewTimer(wait)
		select {
		case <-ctx.Done():
			stop()
			return nil
		case <-timer:
		}
		backoff = min(max(2*backoff, time.Second), c.opts.MaxBackoff)
	}
}

// hello is op 10's data.
type hello struct {
	HeartbeatInterval int64 `json:"heartbeat_interval"`
}

// frame is a gateway payload as read: the envelope, with d undecoded.
type frame struct {
	Op int             `json:"op"`
	S  *int64          `json:"s"`
	T  string          `json:"t"`
	D  json.RawMessage `json:"d"`
}

// reach is how far one connection attempt got.
type reach int

const (
	unreached   reach = iota // no connection: the gateway URL or the dial failed
	connected                // the websocket was open
	established              // READY or RESUMED arrived
)

// connect runs one connection until it fails or ctx ends, and reports how
// far it got (established resets the backoff).
func (c *Conn) connect(ctx context.Context) (got reach, err error) {
	base := c.resumeURL
	if c.sessionID == "" || base == "" {
		if base, err = c.opts.URL(ctx); err != nil {
			return unreached, fmt.Errorf("gateway url: %w", err)
		}
	}
	u, err := gatewayURL(base)
	if err != nil {
		return unreached, err
	}
	ws, resp, err := c.opts.Dialer.DialContext(ctx, u, nil)
	if err != nil {
		return unreached, dialError(u, resp, err)
	}
	got = connected
	w := &writer{ws: ws}
	stop := context.AfterFunc(ctx, func() { w.close(websocket.CloseNormalClosure, "") })
	defer stop()
	defer ws.Close()

	var buf bytes.Buffer // read through, message after message
	var h hello
	if err := c.expect(ws, &buf, 10, &h); err != nil {
		return got, err
	}
	if h.HeartbeatInterval <= 0 {
		return got, fmt.Errorf("gateway HELLO: heartbeat_interval %d", h.HeartbeatInterval)
	}
	hb := newHeartbeat(w, c.opts.Clock, time.Duration(h.HeartbeatInterval)*time.Millisecond, c.seq)
	defer hb.stop()
	if c.sessionID != "" {
		err = w.send(6, map[string]any{"token": "Bot " + c.opts.Token, "session_id": c.sessionID, "seq": c.seq})
	} else {
		err = w.send(2, c.identify())
	}
	if err != nil {
		return got, fmt.Errorf("send identify: %w", err)
	}
	for {
		data, err := readMessage(ws, &buf)
		if err != nil {
			return got, c.readError(err)
		}
		f, err := parseFrame(data)
		if err != nil {
			return got, fmt.Errorf("decode gateway payload: %w", err)
		}
		switch f.Op {
		case 0:
			if f.S != nil {
				c.seq = *f.S
				hb.setSeq(c.seq)
			}
			switch f.T {
			case "READY":
				var r struct {
					SessionID string `json:"session_id"`
					ResumeURL string `json:"resume_gateway_url"`
				}
				if err := json.Unmarshal(f.D, &r); err != nil {
					return got, fmt.Errorf("decode READY: %w", err)
				}
				c.sessionID, c.resumeURL, got = r.SessionID, r.ResumeURL, established
				c.opts.Observe("ready")
			case "RESUMED":
				got = established
				c.log.Info("gateway session resumed", "seq", c.seq)
				c.opts.Observe("resumed")
			}
			c.opts.Dispatch(Event{Type: f.T, Seq: c.seq, Data: f.D})
		case 1: // Discord asks for a heartbeat now
			hb.beatNow()
		case 7: // reconnect and resume
			return got, errors.New("discord asked to reconnect (op 7)")
		case 9: // invalid session; d tells whether it may be resumed
			var resumable bool
			_ = json.Unmarshal(f.D, &resumable)
			if !resumable {
				c.sessionID, c.resumeURL, c.seq = "", "", 0
			}
			return got, fmt.Errorf("%w (resumable %v)", errInvalidSession, resumable)
		case 11:
			hb.acked()
		}
		if hb.zombie() {
			return got, errors.New("no heartbeat ACK: connection is a zombie")
		}
	}
}

// readMessage reads the next message through buf, which keeps its capacity
// from message to message, and returns a copy of exactly its size: the
// event's data is a slice of it, handed to another goroutine.
func readMessage(ws *websocket.Conn, buf *bytes.Buffer) ([]byte, error) {
	_, r, err := ws.NextReader()
	if err != nil {
		return nil, err
	}
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, err
	}
	return bytes.Clone(buf.Bytes()), nil
}

// expect reads one payload and decodes its d when it has the op wanted.
func (c *Conn) expect(ws *websocket.Conn, buf *bytes.Buffer, op int, d any) error {
	data, err := readMessage(ws, buf)
	if err != nil {
		return c.readError(err)
	}
	f, err := parseFrame(data)
	if err != nil {
		return fmt.Errorf("decode gateway payload: %w", err)
	}
	if f.Op != op {
		return fmt.Errorf("gateway sent op %d, want %d", f.Op, op)
	}
	if err := json.Unmarshal(f.D, d); err != nil {
		return fmt.Errorf("decode op %d: %w", op, err)
	}
	return nil
}

// identify is op 2's data.
func (c *Conn) identify() map[string]any {
	d := map[string]any{
		"token":   "Bot " + c.opts.Token,
		"intents": c.opts.Intents,
		"properties": map[string]string{
			"os": runtime.GOOS, "browser": "secbrief", "device": "secbrief",
		},
		"compress":        false,
		"large_threshold": 50,
	}
	if c.opts.ShardCount > 1 {
		d["shard"] = [2]int{c.opts.ShardID, c.opts.ShardCount}
	}
	return d
}

// gatewayURL adds the version and encoding to a gateway URL.
func gatewayURL(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "wss" && u.Scheme != "ws") || u.Host == "" {
		return "", fmt.Errorf("gateway url %q: want a ws(s) URL", base)
	}
	q := u.Query()
	q.Set("v", fmt.Sprint(Version))
	q.Set("encoding", "json")
	u.RawQuery = q.Encode()
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String(), nil
}

// writer serializes writes to the websocket.
type writer struct {
	mu sync.Mutex
	ws *websocket.Conn
}

func (w *writer) send(op int, d any) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	// Socket deadlines guard I/O on the wall clock, whatever Options.Clock.
	_ = w.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return w.ws.WriteJSON(map[string]any{"op": op, "d": d})
}

// close sends a close frame; the reader then ends.
func (w *writer) close(code int, reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	_ = w.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
	_ = w.ws.SetReadDeadline(time.Now().Add(time.Second)) // in case Discord never answers the close
}
