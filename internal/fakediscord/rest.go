package fakediscord

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// apiPrefixes are where Discord's endpoints live: discordgo v0.29.0 uses
// API v9 (discordgo.APIVersion); v10 is served the same way.
var apiPrefixes = [...]string{"/api/v9", "/api/v10"}

// trimAPI strips the /api/vN prefix from a path.
func trimAPI(p string) string {
	for _, pre := range apiPrefixes {
		if strings.HasPrefix(p, pre+"/") {
			return strings.TrimPrefix(p, pre)
		}
	}
	return p
}

// Request is one REST request the fake received.
type Request struct {
	Method string
	// Path is the URL path without the /api/v9 or /api/v10 prefix, e.g.
	// "/channels/1/messages".
	Path     string
	Query    url.Values  // nil without a query string
	Header   http.Header // only X-Audit-Log-Reason: what tests assert on
	Body     []byte      // the JSON body; for multipart uploads, payload_json
	Files    []string
	Received time.Time // real clock
	// Status is the status the fake answered with; Route is the matched
	// route pattern, "" for an unknown route.
	Status int
	Route  string
	// Message is the message payload the request carries (creates, edits,
	// interaction callbacks with data, follow-ups), nil otherwise.
	Message *MessageBody
}

// AuditLogReason is the X-Audit-Log-Reason header (URL-decoded).
func (r Request) AuditLogReason() string {
	v := r.Header.Get("X-Audit-Log-Reason")
	if d, err := url.PathUnescape(v); err == nil {
		return d
	}
	return v
}

// Decode unmarshals the request body into v.
func (r Request) Decode(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("decode %s %s: %w", r.Method, r.Path, err)
	}
	return nil
}

// Requests is a snapshot of every REST request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// TakeRequests returns the requests recorded so far and forgets them, so
// a long benchmark checks them as it goes instead of keeping every request
// of its run in the process it measures. Requests, WaitFor and
// UnknownRoutes no longer see the requests taken.
func (s *Server) TakeRequests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.requests
	s.requests = nil
	return out
}

// UnknownRoutes are the requests no route matched (answered 404, code 0).
func (s *Server) UnknownRoutes() []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Route == "" {
			out = append(out, r)
		}
	}
	return out
}

// WaitFor waits until a recorded request satisfies match and returns the
// first one that does.
func (s *Server) WaitFor(ctx context.Context, match func(Request) bool) (Request, error) {
	var found Request
	err := s.Wait(ctx, func() bool {
		for _, r := range s.Requests() {
			if match(r) {
				found = r
				return true
			}
		}
		return false
	})
	if err != nil {
		return Request{}, fmt.Errorf("wait for request: %w", err)
	}
	return found, nil
}

// fault is an injected 429.
type fault struct {
	method, prefix string
	left           int
	retryAfter     time.Duration
	global         bool
	status         int // a 5xx to answer with instead of a 429
}

// Inject429 makes the next n requests whose method matches (""= any) and
// whose Path starts with pathPrefix (without /api/vN, e.g. "/channels/")
// fail with Discord's 429 body and rate-limit headers. discordgo sleeps
// retry_after and retries, so keep retryAfter small.
func (s *Server) Inject429(method, pathPrefix string, n int, retryAfter time.Duration, global bool) {
	s.mu.Lock()
	s.faults = append(s.faults, &fault{method: method, prefix: pathPrefix, left: n, retryAfter: retryAfter, global: global})
	s.mu.Unlock()
}

// InjectBadGateway makes the next n requests whose method matches (""=
// any) and whose Path starts with pathPrefix fail with 502 Bad Gateway and
// an HTML body, as Discord's edge answers when its API is briefly away.
func (s *Server) InjectBadGateway(method, pathPrefix string, n int) {
	s.mu.Lock()
	s.faults = append(s.faults, &fault{method: method, prefix: pathPrefix, left: n, status: http.StatusBadGateway})
	s.mu.Unlock()
}

// handler serves one route with the request already recorded.
type handler func(w http.ResponseWriter, r *http.Request, req *Request)

// restHandler routes /api/v9 and /api/v10 and records everything.
func (s *Server) restHandler() http.Handler {
	mux := http.NewServeMux()
	route := func(pattern string, h handler, auth bool) {
		method, path, _ := strings.Cut(pattern, " ")
		for _, pre := range apiPrefixes {
			mux.HandleFunc(method+" "+pre+path, func(w http.ResponseWriter, r *http.Request) {
				s.serveRecorded(w, r, pattern, h, auth)
			})
		}
	}
	route("GET /gateway", s.getGateway, true)
	route("GET /gateway/bot", s.getGatewayBot, true)
	route("GET /users/@me", s.getMe, true)
	route("GET /applications/@me", s.getApplication, true)
	route("PUT /applications/{app}/commands", s.putCommands, true)
	route("GET /applications/{app}/commands", s.getCommands, true)
	route("PUT /applications/{app}/guilds/{guild}/commands", s.putCommands, true)
	route("GET /applications/{app}/guilds/{guild}/commands", s.getCommands, true)
	route("POST /interactions/{id}/{token}/callback", s.postCallback, false)
	route("POST /webhooks/{app}/{token}", s.postFollowup, false)
	route("GET /webhooks/{app}/{token}/messages/{mid}", s.getWebhookMessage, false)
	route("PATCH /webhooks/{app}/{token}/messages/{mid}", s.patchWebhookMessage, false)
	route("DELETE /webhooks/{app}/{token}/messages/{mid}", s.deleteWebhookMessage, false)
	route("GET /channels/{cid}", s.getChannel, true)
	route("GET /channels/{cid}/messages", s.listMessages, true)
	route("POST /channels/{cid}/messages", s.postMessage, true)
	route("GET /channels/{cid}/messages/{mid}", s.getMessage, true)
	route("PATCH /channels/{cid}/messages/{mid}", s.patchMessage, true)
	route("DELETE /channels/{cid}/messages/{mid}", s.deleteMessage, true)
	route("POST /channels/{cid}/messages/{mid}/threads", s.postMessageThread, true)
	route("POST /channels/{cid}/threads", s.postThread, true)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.serveRecorded(w, r, "", func(w http.ResponseWriter, _ *http.Request, _ *Request) {
			writeError(w, http.StatusNotFound, 0, "404: Not Found")
		}, false)
	})
	return mux
}

// serveRecorded records the request, applies auth and injected 429s, then
// runs h.
func (s *Server) serveRecorded(w http.ResponseWriter, r *http.Request, route string, h handler, auth bool) {
	req := Request{
		Received: time.Now(),
		Method:   r.Method,
		Path:     trimAPI(r.URL.Path),
		Header:   keptHeaders(r.Header),
		Route:    route,
	}
	if r.URL.RawQuery != "" {
		req.Query = r.URL.Query()
	}
	readBody(r, &req)
	serve := func(w http.ResponseWriter) int {
		sw := &statusWriter{ResponseWriter: w}
		switch f := s.takeFault(req); {
		case auth && r.Header.Get("Authorization") != "Bot "+s.opts.Token:
			writeError(sw, http.StatusUnauthorized, 0, "401: Unauthorized")
		case f != nil:
			write429(sw, f)
		default:
			h(sw, r, &req)
		}
		return sw.status
	}
	if st := s.takeStall(req); st != nil {
		st.serve(w, r, func(w http.ResponseWriter) { req.Status = serve(w) })
	} else {
		req.Status = serve(w)
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()
	s.changed.broadcast()
}

// keptHeaders copies the headers of h a Request keeps, what tests assert
// on (nil when it has none): a fake serving thousands of requests keeps
// little per request. The Authorization header is checked, never kept.
func keptHeaders(h http.Header) http.Header {
	var out http.Header
	for _, k := range [...]string{"X-Audit-Log-Reason"} {
		if v := h.Values(k); len(v) > 0 {
			if out == nil {
				out = make(http.Header, 1)
			}
			out[k] = append([]string(nil), v...)
		}
	}
	return out
}

// readBody fills Body and Files from a JSON or multipart request.
func readBody(r *http.Request, req *Request) {
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			data, _ := io.ReadAll(p)
			if p.FormName() == "payload_json" {
				req.Body = data
			} else if p.FileName() != "" {
				req.Files = append(req.Files, p.FileName())
			}
		}
	} else if r.ContentLength > 0 && r.ContentLength <= 1<<20 {
		req.Body = make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, req.Body); err != nil {
			req.Body = nil
		}
	} else {
		req.Body, _ = io.ReadAll(r.Body)
	}
}

func (s *Server) takeFault(req Request) *fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.left > 0 && (f.method == "" || f.method == req.Method) && strings.HasPrefix(req.Path, f.prefix) {
			f.left--
			return f
		}
	}
	return nil
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// writeJSON answers with v and the rate-limit headers of a roomy bucket.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-RateLimit-Limit", "50")
	h.Set("X-RateLimit-Remaining", "49")
	h.Set("X-RateLimit-Reset-After", "1.000")
	h.Set("X-RateLimit-Bucket", "fakebucket")
	w.WriteHeader(status)
	if status != http.StatusNoContent {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// writeError answers with Discord's JSON error body.
func writeError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"message": msg, "code": code})
}

// write429 answers with Discord's rate-limit response.
// write429 answers an injected fault: Discord's 429, or the fault's 5xx.
func write429(w http.ResponseWriter, f *fault) {
	if f.status != 0 {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.status)
		_, _ = io.WriteString(w, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>")
		return
	}
	secs := f.retryAfter.Seconds()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(secs))))
	h.Set("X-RateLimit-Limit", "5")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(secs, 'f', 3, 64))
	h.Set("X-RateLimit-Bucket", "fakebucket")
	scope := "user"
	if f.global {
		h.Set("X-RateLimit-Global", "true")
		scope = "global"
	}
	h.Set("X-RateLimit-Scope", scope)
	w.WriteHeader(http.StatusTooManyRequests)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"message": "You are being rate limited.", "retry_after": secs, "global": f.global,
	})
}

func (s *Server) getGateway(w http.ResponseWriter, _ *http.Request, _ *Request) {
	writeJSON(w, http.StatusOK, map[string]any{"url": s.GatewayURL()})
}

func (s *Server) getGatewayBot(w http.ResponseWriter, _ *http.Request, _ *Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"url": s.GatewayURL(), "shards": s.opts.ShardCount,
		"session_start_limit": map[string]any{"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1},
	})
}

func (s *Server) getMe(w http.ResponseWriter, _ *http.Request, _ *Request) {
	writeJSON(w, http.StatusOK, s.botUserWire())
}

func (s *Server) getApplication(w http.ResponseWriter, _ *http.Request, _ *Request) {
	writeJSON(w, http.StatusOK, s.applicationWire())
}

func (s *Server) applicationWire() map[string]any {
	return map[string]any{
		"id": s.app.ID, "name": s.app.Username, "description": "", "bot_public": true,
		"bot_require_code_grant": false, "verify_key": "00", "flags": 1 << 19, "bot": s.app.wire(),
	}
}
