package fakediscord

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/secbrief/secbrief/internal/jsonscan"
)

// webhookTokenLife is how long an interaction token takes follow-ups.
const webhookTokenLife = 15 * time.Minute

// Interaction is the state of one dispatched interaction: its callbacks
// and the messages created through its token.
type Interaction struct {
	ID        string
	Token     string
	Type      int
	Name      string // command name
	CustomID  string // modal or component custom_id
	GuildID   string
	ChannelID string
	User      User
	// DispatchedAt is when INTERACTION_CREATE was handed to the bot's
	// gateway connection (real clock): after the fake encoded it and waited
	// its turn on the connection, so the fake's own work is not counted as
	// the bot's latency. Before the first write it is when
	// DispatchInteraction was called.
	DispatchedAt time.Time
	// Shards are the shards of the gateway sessions whose live connection
	// INTERACTION_CREATE was written to at dispatch, in order (one entry
	// per session: two sessions of one shard list it twice). A session
	// without a connection keeps the event for RESUME and is not listed.
	Shards []int
	// Callbacks are every callback attempt, accepted or not.
	Callbacks []Callback
	// Original is the @original response message (nil before a type 4 or
	// 5 callback); Followups are the follow-up messages, in order.
	Original  *Message
	Followups []Message
}

// Callback is one POST /interactions/{id}/{token}/callback.
type Callback struct {
	Type int
	// Data is the callback's "data" object as sent (nil when absent).
	Data json.RawMessage
	// Latency is the time from dispatch to the callback's arrival (when
	// the fake began serving the request, before it read the body).
	Latency time.Duration
	At      time.Time
	Status  int
}

// Acked reports whether an initial response was accepted.
func (i Interaction) Acked() bool {
	_, ok := i.FirstAck()
	return ok
}

// FirstAck is the accepted initial response, if any.
func (i Interaction) FirstAck() (Callback, bool) {
	for _, c := range i.Callbacks {
		if c.Status == http.StatusNoContent || c.Status == http.StatusOK { // 200: with_response
			return c, true
		}
	}
	return Callback{}, false
}

type interactionState struct {
	Interaction
	dispatchedClock time.Time // on the injected clock, for token expiry
	original        *Message
	followups       []*Message
	// wiredAt is when INTERACTION_CREATE was first written to a gateway
	// connection; set without s.mu (the gateway holds its own lock).
	wiredAt atomic.Pointer[time.Time]
	// shards are the shards it was written to; guarded by shardsMu, not
	// s.mu, for the same reason as wiredAt.
	shardsMu sync.Mutex
	shards   []int
}

// wiredTo records that the interaction's event was written to a
// connection of shard at time at.
func (st *interactionState) wiredTo(shard int, at time.Time) {
	st.wired(at)
	st.shardsMu.Lock()
	st.shards = append(st.shards, shard)
	st.shardsMu.Unlock()
}

// wired records the first time the interaction's event was written.
func (st *interactionState) wired(at time.Time) { st.wiredAt.CompareAndSwap(nil, &at) }

// dispatchedAt is the interaction's dispatch time: its first write to a
// gateway connection, else when it was dispatched.
func (st *interactionState) dispatchedAt() time.Time {
	if at := st.wiredAt.Load(); at != nil {
		return *at
	}
	return st.DispatchedAt
}

func (st *interactionState) snapshot() Interaction {
	out := st.Interaction
	out.DispatchedAt = st.dispatchedAt()
	st.shardsMu.Lock()
	out.Shards = append([]int(nil), st.shards...)
	st.shardsMu.Unlock()
	out.Callbacks = append([]Callback(nil), st.Callbacks...)
	if st.original != nil {
		o := st.original.clone()
		out.Original = &o
	}
	for _, m := range st.followups {
		out.Followups = append(out.Followups, m.clone())
	}
	return out
}

// Interaction returns the state of a dispatched interaction.
func (s *Server) Interaction(id string) (Interaction, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.interactions[id]
	if !ok {
		return Interaction{}, false
	}
	return st.snapshot(), true
}

// Acked reports whether the interaction has an accepted initial response;
// unlike Interaction it copies nothing, for waiting on many at once.
func (s *Server) Acked(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.interactions[id]
	return ok && st.Acked()
}

// WaitInteraction waits until the interaction's state satisfies cond.
func (s *Server) WaitInteraction(ctx context.Context, id string, cond func(Interaction) bool) (Interaction, error) {
	var got Interaction
	err := s.Wait(ctx, func() bool {
		var ok bool
		got, ok = s.Interaction(id)
		return ok && cond(got)
	})
	if err != nil {
		return got, fmt.Errorf("wait for interaction %s: %w", id, err)
	}
	return got, nil
}

// callbackAllowed lists the response types valid for each interaction type.
var callbackAllowed = map[int]map[int]bool{
	1:                       {1: true},
	InteractionCommand:      {4: true, 5: true, 9: true},
	InteractionComponent:    {4: true, 5: true, 6: true, 7: true, 9: true},
	InteractionAutocomplete: {8: true},
	InteractionModalSubmit:  {4: true, 5: true, 6: true, 7: true},
}

// callback is the envelope of an interaction callback.
type callback struct {
	Type int
	Data json.RawMessage // undecoded, as sent; parseBody reads it
}

// callbackEnvelope reads a callback body's type and raw data with
// jsonscan.Members (a scan, not a decode: the data is decoded once, by
// parseBody); a body that is not an object yields the zero envelope.
func callbackEnvelope(raw []byte) (callback, error) {
	var cb callback
	err := jsonscan.Members(raw, func(key string, val []byte) error {
		switch key {
		case "type":
			n, err := strconv.Atoi(string(val))
			if err != nil {
				return fmt.Errorf("callback type %q: %w", val, err)
			}
			cb.Type = n
		case "data":
			cb.Data = json.RawMessage(val)
		}
		return nil
	})
	if err != nil {
		return callback{}, err
	}
	return cb, nil
}

func (s *Server) postCallback(w http.ResponseWriter, r *http.Request, req *Request) {
	body, _ := callbackEnvelope(req.Body)
	if len(body.Data) > 0 && string(body.Data) != "null" {
		req.Message = parseBody(body.Data, len(req.Files))
	} else {
		body.Data = nil
	}
	now := req.Received
	s.mu.Lock()
	st := s.interactions[r.PathValue("id")]
	if st == nil || st.Token != r.PathValue("token") {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, CodeUnknownInteraction, "Unknown interaction")
		return
	}
	cb := Callback{Type: body.Type, Data: body.Data, At: now, Latency: now.Sub(st.dispatchedAt())}
	status, created := s.answerCallback(w, st, body.Type, req, r.URL.Query().Get("with_response") == "true")
	cb.Status = status
	st.Callbacks = append(st.Callbacks, cb)
	var resp map[string]any
	var encoded []byte // created's JSON, shared by the response and the event
	if created != nil {
		encoded = encodeEvent("MESSAGE_CREATE", created)
	}
	if status == http.StatusOK {
		resp = st.callbackResponse(body.Type, encoded)
	}
	s.mu.Unlock()
	switch status {
	case http.StatusOK:
		writeJSON(w, status, resp)
	case http.StatusNoContent:
		writeJSON(w, status, nil)
	}
	if created != nil {
		s.dispatchEncodedMessageEvent("MESSAGE_CREATE", created, encoded, st.GuildID, true)
	}
	s.changed.broadcast()
}

// answerCallback validates and applies a callback; s.mu is held. A
// refused callback is answered here; for an accepted one it returns the
// status to answer with, 204, or 200 with the interaction callback
// response when withResponse (?with_response=true), which the caller
// writes once s.mu is released. It also returns the public message
// created, if any.
func (s *Server) answerCallback(w http.ResponseWriter, st *interactionState, typ int, req *Request, withResponse bool) (int, map[string]any) {
	fail := func(status, code int, msg string) (int, map[string]any) {
		writeError(w, status, code, msg)
		return status, nil
	}
	switch {
	case st.Acked():
		return fail(http.StatusBadRequest, CodeAlreadyAcknowledged, "Interaction has already been acknowledged.")
	case time.Since(st.dispatchedAt()) > s.opts.InteractionDeadline:
		return fail(http.StatusNotFound, CodeUnknownInteraction, "Unknown interaction")
	case !callbackAllowed[st.Type][typ]:
		errs := formErrors{}
		errs.add([]string{"type"}, "INTERACTION_RESPONSE_TYPE_INVALID", "Interaction response type is invalid for this interaction")
		writeFormErrors(w, errs)
		return http.StatusBadRequest, nil
	}
	b := req.Message
	if b == nil {
		b = &MessageBody{}
	}
	if errs := s.validateCallback(typ, b, req.Body); len(errs) > 0 {
		writeFormErrors(w, errs)
		return http.StatusBadRequest, nil
	}
	var created map[string]any
	switch typ {
	case 4, 5:
		c := s.channels[st.ChannelID]
		ch := Channel{ID: st.ChannelID, GuildID: st.GuildID}
		if c != nil {
			ch = c.Channel
		}
		m := s.newBotMessage(ch, b, req.Files)
		m.Flags &= FlagEphemeral | 1<<2 // only ephemeral and suppress-embeds survive
		m.InteractionID, m.Type = st.ID, 20
		if st.Type == InteractionCommand && st.Name != "" {
			if _, ok := s.findCommandLocked(st.GuildID, st.Name, CommandMessage); ok {
				m.Type = 23
			}
		}
		if typ == 5 {
			m.Content, m.Embeds, m.Flags = "", nil, m.Flags|FlagLoading
		} else if empty(m.Content, m.Embeds, m.Components, len(m.Attachments), nil, nil) {
			writeEmpty(w)
			return http.StatusBadRequest, nil
		}
		st.original = m
		if !m.Ephemeral() {
			s.storeLocked(m)
			created = m.wire()
		}
	}
	if withResponse {
		return http.StatusOK, created
	}
	return http.StatusNoContent, created
}

// callbackResponse is Discord's interaction callback response to a
// callback of type typ: the interaction, with the id of the message it
// created, and that message as the resource (encoded, when not nil, is
// the message already encoded).
func (st *interactionState) callbackResponse(typ int, encoded []byte) map[string]any {
	cb := map[string]any{"id": st.ID, "type": st.Type}
	out := map[string]any{"interaction": cb}
	if m := st.original; m != nil && (typ == 4 || typ == 5) {
		var message any = json.RawMessage(encoded)
		if encoded == nil {
			message = m.wire()
		}
		cb["response_message_id"] = m.ID
		cb["response_message_loading"] = typ == 5
		cb["response_message_ephemeral"] = m.Ephemeral()
		out["resource"] = map[string]any{"type": typ, "message": message}
	}
	return out
}

func (s *Server) findCommandLocked(guildID, name string, typ int) (Command, bool) {
	for _, scope := range []string{guildID, ""} {
		for _, c := range s.commands[scope] {
			if c.Name == name && c.Type == typ {
				return c, true
			}
		}
	}
	return Command{}, false
}

// validateCallback checks a callback's data against Discord's limits.
func (s *Server) validateCallback(typ int, b *MessageBody, raw []byte) formErrors {
	switch typ {
	case 4, 7:
		return validateBody(b, []string{"data"})
	case 8:
		var d struct {
			Data struct {
				Choices []struct {
					Name string `json:"name"`
				} `json:"choices"`
			} `json:"data"`
		}
		_ = json.Unmarshal(raw, &d)
		errs := formErrors{}
		if len(d.Data.Choices) > 25 {
			errs.tooLong([]string{"data", "choices"}, 25)
		}
		for _, c := range d.Data.Choices {
			if n := runes(c.Name); n < 1 || n > 100 {
				errs.add([]string{"data", "choices"}, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
			}
		}
		return errs
	case 9:
		var d struct {
			Data struct {
				Title      string            `json:"title"`
				CustomID   string            `json:"custom_id"`
				Components []json.RawMessage `json:"components"`
			} `json:"data"`
		}
		_ = json.Unmarshal(raw, &d)
		errs := formErrors{}
		if n := runes(d.Data.Title); n < 1 || n > 45 {
			errs.add([]string{"data", "title"}, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 45 in length.")
		}
		if n := runes(d.Data.CustomID); n < 1 || n > 100 {
			errs.add([]string{"data", "custom_id"}, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
		}
		if n := len(d.Data.Components); n < 1 || n > 5 {
			errs.add([]string{"data", "components"}, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
		}
		return errs
	}
	return nil
}
