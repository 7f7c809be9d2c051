package gateway

// Why a connection attempt or a connection ended, and which endings stop
// Run: the errors are what the operator reads in the log.

import (
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/gorilla/websocket"
)

// ErrInvalidToken matches the errors with which Discord rejects the bot
// token: Options.URL wraps it when GET /gateway/bot was answered 401, and
// a *CloseError with code 4004 matches it. Run returns such an error at
// once: no retry can make the token valid.
var ErrInvalidToken = errors.New("discord rejected the bot token")

// CloseError is a close code with which Discord refused the session for
// good: retrying cannot help (a bad token, a disallowed intent, a bad
// shard).
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("discord closed the gateway with %d %s", e.Code, e.Reason)
}

// Is makes close code 4004 (authentication failed) match ErrInvalidToken.
func (e *CloseError) Is(target error) bool { return target == ErrInvalidToken && e.Code == 4004 }

// fatalCodes are the close codes after which Discord refuses to resume or
// identify again with the same settings.
var fatalCodes = map[int]bool{
	4004: true, // authentication failed
	4010: true, // invalid shard
	4011: true, // sharding required
	4012: true, // invalid API version
	4013: true, // invalid intents
	4014: true, // disallowed intents
}

// freshCodes are the close codes after which the session cannot be
// resumed but a new one may be identified.
var freshCodes = map[int]bool{
	4007: true, // invalid seq
	4009: true, // session timed out
}

// dialError says why the websocket did not open, naming the URL dialled:
// an HTTP answer instead of the upgrade (resp), or a network problem.
func dialError(u string, resp *http.Response, err error) error {
	if resp != nil {
		return fmt.Errorf("dial gateway %s: answered %s: %w", u, resp.Status, err)
	}
	if networkProblem(err) {
		return fmt.Errorf("network problem: dial gateway %s: %w", u, err)
	}
	return fmt.Errorf("dial gateway %s: %w", u, err)
}

// networkProblem reports whether err is the network's: a name that did not
// resolve, a connection refused, reset or timed out.
func networkProblem(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &op) || errors.As(err, &dns)
}

// readError classifies a read error: fatal close codes become a
// *CloseError, codes that forbid resuming drop the session.
func (c *Conn) readError(err error) error {
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		return fmt.Errorf("read gateway: %w", err)
	}
	switch {
	case fatalCodes[ce.Code]:
		return &CloseError{Code: ce.Code, Reason: ce.Text}
	case freshCodes[ce.Code]:
		c.sessionID, c.resumeURL, c.seq = "", "", 0
	}
	return fmt.Errorf("gateway closed: %w", err)
}
