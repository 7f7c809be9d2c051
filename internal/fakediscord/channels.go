package fakediscord

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// nonceEntry remembers the message an enforced nonce created.
type nonceEntry struct {
	messageID string
	at        time.Time
}

// Messages lists the messages everyone can see in a channel or thread,
// oldest first (ephemeral interaction messages are only in Interaction).
func (s *Server) Messages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[channelID]
	if c == nil {
		return nil
	}
	out := make([]Message, 0, len(c.messages))
	for _, m := range c.messages {
		if !m.Deleted {
			out = append(out, m.clone())
		}
	}
	return out
}

// Message returns a stored message by id.
func (s *Server) Message(id string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[id]
	if !ok {
		return Message{}, false
	}
	return m.clone(), true
}

// Channel returns a channel or thread by id.
func (s *Server) Channel(id string) (Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[id]
	if !ok {
		return Channel{}, false
	}
	return c.Channel, true
}

// Threads lists every thread, oldest first.
func (s *Server) Threads() []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Channel
	for _, c := range s.channels {
		if c.IsThread() {
			out = append(out, c.Channel)
		}
	}
	sort.Slice(out, func(i, j int) bool { return idLess(out[i].ID, out[j].ID) })
	return out
}

func idLess(a, b string) bool {
	x, _ := strconv.ParseUint(a, 10, 64)
	y, _ := strconv.ParseUint(b, 10, 64)
	return x < y
}

// storeLocked adds m to its channel; s.mu must be held.
func (s *Server) storeLocked(m *Message) {
	s.messages[m.ID] = m
	if c := s.channels[m.ChannelID]; c != nil {
		c.messages = append(c.messages, m)
	}
}

// newBotMessage builds a message authored by the bot from a payload.
func (s *Server) newBotMessage(c Channel, b *MessageBody, files []string) *Message {
	m := &Message{
		ID: s.ids.next(), ChannelID: c.ID, GuildID: c.GuildID, Author: s.app,
		Flags: b.Flags, AllowedMentions: b.AllowedMentions, CreatedAt: s.opts.Now(),
		Components: b.Components, Attachments: files,
	}
	if b.Content != nil {
		m.Content = *b.Content
	}
	if b.Embeds != nil {
		m.Embeds = withRichType(*b.Embeds)
	}
	if b.Reference != nil && b.Reference.MessageID != "" {
		m.ReferenceID = b.Reference.MessageID
		m.Type = 19
	}
	return m
}

func withRichType(embeds []Embed) []Embed {
	out := append([]Embed(nil), embeds...)
	for i := range out {
		if out[i].Type == "" {
			out[i].Type = "rich"
		}
	}
	return out
}

func (s *Server) getChannel(w http.ResponseWriter, r *http.Request, _ *Request) {
	c, ok := s.Channel(r.PathValue("cid"))
	if !ok {
		writeError(w, http.StatusNotFound, CodeUnknownChannel, "Unknown Channel")
		return
	}
	writeJSON(w, http.StatusOK, c.wire())
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request, req *Request) {
	c, ok := s.Channel(r.PathValue("cid"))
	if !ok {
		writeError(w, http.StatusNotFound, CodeUnknownChannel, "Unknown Channel")
		return
	}
	b, ok := newMessageBody(w, req, true)
	if !ok {
		return
	}
	nonce, _ := nonceString(b.Nonce)
	now := s.opts.Now()
	key := c.ID + "\x00" + nonce
	s.mu.Lock()
	if b.EnforceNonce && nonce != "" {
		if e, ok := s.nonces[key]; ok && now.Sub(e.at) < s.opts.NonceWindow {
			existing := s.messages[e.messageID].wire()
			s.mu.Unlock()
			writeJSON(w, http.StatusOK, existing)
			return
		}
	}
	m := s.newBotMessage(c, b, req.Files)
	m.Nonce = nonce
	if b.EnforceNonce && nonce != "" {
		s.nonces[key] = nonceEntry{messageID: m.ID, at: now}
	}
	s.storeLocked(m)
	wire := m.wire()
	s.mu.Unlock()
	s.dispatchMessageEvent("MESSAGE_CREATE", wire, c.GuildID, true)
	writeJSON(w, http.StatusOK, wire)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Server) lookupMessage(w http.ResponseWriter, r *http.Request) (*Message, bool) {
	cid, mid := r.PathValue("cid"), r.PathValue("mid")
	s.mu.Lock()
	_, chOK := s.channels[cid]
	m, ok := s.messages[mid]
	s.mu.Unlock()
	if !chOK {
		writeError(w, http.StatusNotFound, CodeUnknownChannel, "Unknown Channel")
		return nil, false
	}
	if !ok || m.ChannelID != cid || m.Deleted {
		writeError(w, http.StatusNotFound, CodeUnknownMessage, "Unknown Message")
		return nil, false
	}
	return m, true
}

func (s *Server) getMessage(w http.ResponseWriter, r *http.Request, _ *Request) {
	if m, ok := s.lookupMessage(w, r); ok {
		s.writeMessage(w, m)
	}
}

// writeMessage answers 200 with the stored message m.
func (s *Server) writeMessage(w http.ResponseWriter, m *Message) {
	s.mu.Lock()
	wire := m.wire()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, wire)
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request, _ *Request) {
	if _, ok := s.Channel(r.PathValue("cid")); !ok {
		writeError(w, http.StatusNotFound, CodeUnknownChannel, "Unknown Channel")
		return
	}
	limit := 50
	if n, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && n > 0 && n <= 100 {
		limit = n
	}
	msgs := s.Messages(r.PathValue("cid"))
	out := []any{}
	for i := len(msgs) - 1; i >= 0 && len(out) < limit; i-- { // newest first, as Discord
		out = append(out, msgs[i].wire())
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) patchMessage(w http.ResponseWriter, r *http.Request, req *Request) {
	m, ok := s.lookupMessage(w, r)
	if !ok {
		return
	}
	if m.Author.ID != s.app.ID {
		writeError(w, http.StatusForbidden, 50005, "Cannot edit a message authored by another user")
		return
	}
	s.editMessage(w, req, m, nil, true)
}

// editMessage applies an edit payload to m after validating it.
func (s *Server) editMessage(w http.ResponseWriter, req *Request, m *Message, prefix []string, dispatch bool) {
	b := parseBody(req.Body, len(req.Files))
	if b == nil {
		writeError(w, http.StatusBadRequest, CodeInvalidFormBody, "Invalid Form Body")
		return
	}
	req.Message = b
	if writeFormErrors(w, validateBody(b, prefix)) {
		return
	}
	s.mu.Lock()
	content, embeds, components := m.Content, m.Embeds, m.Components
	if b.Content != nil {
		content = *b.Content
	}
	if b.Embeds != nil {
		embeds = withRichType(*b.Embeds)
	}
	if len(b.Components) > 0 && string(b.Components) != "null" {
		components = b.Components
	}
	if empty(content, embeds, components, len(m.Attachments)+b.Files, nil, nil) {
		s.mu.Unlock()
		writeEmpty(w)
		return
	}
	m.Content, m.Embeds, m.Components = content, embeds, components
	m.Attachments = append(m.Attachments, req.Files...)
	if b.AllowedMentions != nil {
		m.AllowedMentions = b.AllowedMentions
	}
	m.Flags &^= FlagLoading
	m.EditedAt = s.opts.Now()
	m.Edits++
	wire := m.wire()
	guild, visible := m.GuildID, !m.Ephemeral()
	s.mu.Unlock()
	if dispatch && visible {
		s.dispatchMessageEvent("MESSAGE_UPDATE", wire, guild, true)
	}
	writeJSON(w, http.StatusOK, wire)
}

func (s *Server) deleteMessage(w http.ResponseWriter, r *http.Request, _ *Request) {
	m, ok := s.lookupMessage(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	m.Deleted = true
	s.mu.Unlock()
	s.dispatchMessageEvent("MESSAGE_DELETE", map[string]any{"id": m.ID, "channel_id": m.ChannelID, "guild_id": nilIfEmpty(m.GuildID)}, m.GuildID, true)
	writeJSON(w, http.StatusNoContent, nil)
}

// threadRequest is the body of both thread-start routes.
type threadRequest struct {
	Name                string `json:"name"`
	AutoArchiveDuration int    `json:"auto_archive_duration"`
	Type                int    `json:"type"`
}

func (s *Server) parseThread(w http.ResponseWriter, req *Request) (threadRequest, bool) {
	var tr threadRequest
	if err := json.Unmarshal(req.Body, &tr); err != nil {
		writeError(w, http.StatusBadRequest, CodeInvalidFormBody, "Invalid Form Body")
		return tr, false
	}
	errs := formErrors{}
	if n := runes(strings.TrimSpace(tr.Name)); n == 0 || runes(tr.Name) > MaxThreadName {
		errs.add([]string{"name"}, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
	}
	switch tr.AutoArchiveDuration {
	case 0, 60, 1440, 4320, 10080:
	default:
		errs.add([]string{"auto_archive_duration"}, "BASE_TYPE_CHOICES", "Value must be one of {60, 1440, 4320, 10080}.")
	}
	if tr.AutoArchiveDuration == 0 {
		tr.AutoArchiveDuration = 4320
	}
	return tr, !writeFormErrors(w, errs)
}

func (s *Server) postMessageThread(w http.ResponseWriter, r *http.Request, req *Request) {
	m, ok := s.lookupMessage(w, r)
	if !ok {
		return
	}
	tr, ok := s.parseThread(w, req)
	if !ok {
		return
	}
	s.mu.Lock()
	parent := s.channels[m.ChannelID].Channel
	if parent.IsThread() {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, 50024, "Cannot execute action on this channel type")
		return
	}
	if m.ThreadID != "" {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, CodeThreadAlreadyExists, "A thread has already been created for this message")
		return
	}
	th := Channel{
		ID: m.ID, GuildID: parent.GuildID, ParentID: parent.ID, OwnerID: s.app.ID, Name: tr.Name,
		Type: ChannelTypePublicThread, StarterMessageID: m.ID, AutoArchiveDuration: tr.AutoArchiveDuration,
		CreatedAt: s.opts.Now(),
	}
	s.channels[th.ID] = &channel{Channel: th}
	m.ThreadID = th.ID
	m.Flags |= FlagHasThread
	s.mu.Unlock()
	s.threadCreated(w, th)
}

func (s *Server) postThread(w http.ResponseWriter, r *http.Request, req *Request) {
	parent, ok := s.Channel(r.PathValue("cid"))
	if !ok {
		writeError(w, http.StatusNotFound, CodeUnknownChannel, "Unknown Channel")
		return
	}
	tr, ok := s.parseThread(w, req)
	if !ok {
		return
	}
	if tr.Type == 0 {
		tr.Type = ChannelTypePrivateThread // Discord's default when type is omitted
	}
	if parent.IsThread() || (tr.Type != ChannelTypePublicThread && tr.Type != ChannelTypePrivateThread) {
		writeError(w, http.StatusBadRequest, 50024, "Cannot execute action on this channel type")
		return
	}
	th := Channel{
		ID: s.ids.next(), GuildID: parent.GuildID, ParentID: parent.ID, OwnerID: s.app.ID, Name: tr.Name,
		Type: tr.Type, AutoArchiveDuration: tr.AutoArchiveDuration, CreatedAt: s.opts.Now(),
	}
	s.mu.Lock()
	s.channels[th.ID] = &channel{Channel: th}
	s.mu.Unlock()
	s.threadCreated(w, th)
}

// threadCreated dispatches THREAD_CREATE and answers with the thread.
func (s *Server) threadCreated(w http.ResponseWriter, th Channel) {
	wire := th.wire()
	wire["member"] = map[string]any{"id": th.ID, "user_id": s.app.ID, "join_timestamp": timestamp(th.CreatedAt), "flags": 0}
	event := th.wire()
	event["newly_created"] = true
	s.dispatch("THREAD_CREATE", event, th.GuildID, intentGuilds)
	writeJSON(w, http.StatusCreated, wire)
}

// newMessageBody parses and validates the body of a message create (a
// channel message, or a webhook follow-up when stickers and polls are not
// allowed), answering Discord's error itself when it is refused.
func newMessageBody(w http.ResponseWriter, req *Request, stickersAndPolls bool) (*MessageBody, bool) {
	b := parseBody(req.Body, len(req.Files))
	if b == nil {
		writeError(w, http.StatusBadRequest, CodeInvalidFormBody, "Invalid Form Body")
		return nil, false
	}
	req.Message = b
	if writeFormErrors(w, validateBody(b, nil)) {
		return nil, false
	}
	var embeds []Embed
	if b.Embeds != nil {
		embeds = *b.Embeds
	}
	stickers, poll := b.StickerIDs, b.Poll
	if !stickersAndPolls {
		stickers, poll = nil, nil
	}
	if empty(deref(b.Content), embeds, b.Components, b.Files, stickers, poll) {
		writeEmpty(w)
		return nil, false
	}
	return b, true
}
