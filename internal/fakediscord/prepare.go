package fakediscord

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// DispatchInteraction sends INTERACTION_CREATE with a fresh id and token.
// Commands must have been registered (bulk overwrite) under their name and
// type, and top-level options must exist in the registered command, as
// Discord only sends interactions for commands it knows.
func (s *Server) DispatchInteraction(spec InteractionSpec) (Dispatched, error) {
	p, err := s.PrepareInteraction(spec)
	if err != nil {
		return Dispatched{}, err
	}
	d, err := s.DispatchPrepared(p)
	if err != nil {
		return Dispatched{}, err
	}
	return d[0], nil
}

// Prepared is an interaction built and encoded ahead of its dispatch, so a
// benchmark's burst costs the fake no more than writing it, as the events
// of a burst come from Discord's machines, not the bot's.
type Prepared struct {
	st      *interactionState
	payload []byte
}

// PrepareInteraction builds and encodes an interaction as
// DispatchInteraction would, without dispatching it; a Prepared is
// dispatched once.
func (s *Server) PrepareInteraction(spec InteractionSpec) (*Prepared, error) {
	s.fillDefaults(&spec.GuildID, &spec.ChannelID, &spec.User, spec.DM)
	if spec.Permissions == 0 {
		spec.Permissions = DefaultMemberPermissions
	}
	if spec.Locale == "" {
		spec.Locale = "en-US"
	}
	ch, ok := s.Channel(spec.ChannelID)
	if !ok && !spec.DM {
		return nil, fmt.Errorf("fakediscord: dispatch interaction: unknown channel %s", spec.ChannelID)
	}
	data, err := s.interactionData(&spec)
	if err != nil {
		return nil, fmt.Errorf("fakediscord: dispatch interaction: %w", err)
	}
	st := &interactionState{Interaction: Interaction{
		ID: s.ids.next(), Token: "aW50ZXJhY3Rpb246" + randomToken(), Type: spec.Type, Name: spec.Name,
		CustomID: spec.CustomID, GuildID: spec.GuildID, ChannelID: spec.ChannelID, User: spec.User,
	}}
	payload := map[string]any{
		"id": st.ID, "application_id": s.app.ID, "type": spec.Type, "data": data, "token": st.Token,
		"version": 1, "locale": spec.Locale, "channel_id": spec.ChannelID, "app_permissions": "2251799813685247",
		"entitlements": []any{}, "context": 0, "authorizing_integration_owners": map[string]any{"0": spec.GuildID},
		"attachment_size_limit": 10485760,
	}
	if spec.DM {
		payload["user"] = spec.User.wire()
		payload["context"] = 1
		payload["authorizing_integration_owners"] = map[string]any{"1": spec.User.ID}
		payload["channel"] = map[string]any{"id": spec.ChannelID, "type": ChannelTypeDM}
	} else {
		payload["guild_id"] = spec.GuildID
		payload["guild_locale"] = "en-US"
		payload["guild"] = map[string]any{"id": spec.GuildID, "locale": "en-US", "features": []any{}}
		payload["member"] = memberWire(spec.User, spec.Permissions)
		payload["channel"] = ch.wire()
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("fakediscord: encode interaction: %w", err)
	}
	return &Prepared{st: st, payload: raw}, nil
}

// DispatchPrepared sends prepared interactions in order, back to back, and
// returns their ids and tokens. Each one's dispatch time is when it is
// written to the bot's connection.
func (s *Server) DispatchPrepared(ps ...*Prepared) ([]Dispatched, error) {
	sessions := make([][]*gwSession, len(ps))
	for k, p := range ps {
		if sessions[k] = s.readySessions(p.st.GuildID); len(sessions[k]) == 0 {
			return nil, ErrNoSession
		}
	}
	now, clock := time.Now(), s.opts.Now()
	s.mu.Lock()
	for _, p := range ps {
		if _, dup := s.interactions[p.st.ID]; dup {
			s.mu.Unlock()
			return nil, fmt.Errorf("fakediscord: interaction %s was already dispatched", p.st.ID)
		}
	}
	for _, p := range ps {
		p.st.DispatchedAt, p.st.dispatchedClock = now, clock
		s.interactions[p.st.ID] = p.st
		s.byToken[p.st.Token] = p.st
	}
	s.mu.Unlock()
	out := make([]Dispatched, len(ps))
	for k, p := range ps {
		for _, g := range sessions[k] {
			st, shard := p.st, g.shard[0]
			g.sendRaw("INTERACTION_CREATE", p.payload, func(at time.Time) { st.wiredTo(shard, at) })
		}
		out[k] = Dispatched{ID: p.st.ID, Token: p.st.Token}
	}
	s.changed.broadcast()
	return out, nil
}

func (s *Server) fillDefaults(guildID, channelID *string, user *User, dm bool) {
	if *user == (User{}) {
		*user = s.user
	}
	if dm {
		*guildID = ""
		if *channelID == "" {
			*channelID = s.ids.next()
		}
		return
	}
	if *channelID != "" && *guildID == "" {
		if c, ok := s.Channel(*channelID); ok {
			*guildID = c.GuildID
		}
	}
	if *guildID == "" {
		*guildID = s.guilds[0]
	}
	if *channelID == "" {
		*channelID = s.TextChannel(*guildID)
	}
}

// interactionData builds the "data" object and checks the command exists.
func (s *Server) interactionData(spec *InteractionSpec) (map[string]any, error) {
	switch spec.Type {
	case InteractionModalSubmit:
		rows := make([]any, 0, len(spec.Fields))
		for _, f := range spec.Fields {
			rows = append(rows, map[string]any{"type": 1, "components": []any{
				map[string]any{"type": 4, "custom_id": f.CustomID, "value": f.Value},
			}})
		}
		return map[string]any{"custom_id": spec.CustomID, "components": rows}, nil
	}
	cmd, ok := s.findCommand(spec.GuildID, spec.Name, spec.CommandType)
	if !ok {
		return nil, fmt.Errorf("command %q (type %d) is not registered", spec.Name, spec.CommandType)
	}
	for _, o := range spec.Options {
		if !cmd.hasOption(o.Name, o.Type) {
			return nil, fmt.Errorf("command %q has no option %q of type %d", spec.Name, o.Name, o.Type)
		}
	}
	d := map[string]any{"id": cmd.ID, "name": cmd.Name, "type": cmd.Type}
	if cmd.GuildID != "" {
		d["guild_id"] = cmd.GuildID
	}
	if len(spec.Options) > 0 {
		d["options"] = optionsWire(spec.Options)
	}
	if spec.Target != nil {
		t := *spec.Target
		if t.ChannelID == "" {
			t.ChannelID = spec.ChannelID
		}
		m, err := s.storeUserMessage(t)
		if err != nil {
			return nil, err
		}
		d["target_id"] = m.ID
		d["resolved"] = map[string]any{"messages": map[string]any{m.ID: m.wire()}}
	}
	return d, nil
}

func optionsWire(opts []Option) []any {
	out := make([]any, 0, len(opts))
	for _, o := range opts {
		w := map[string]any{"name": o.Name, "type": o.Type}
		if o.Value != nil {
			w["value"] = o.Value
		}
		if o.Focused {
			w["focused"] = true
		}
		if len(o.Options) > 0 {
			w["options"] = optionsWire(o.Options)
		}
		out = append(out, w)
	}
	return out
}

func memberWire(u User, perms int64) map[string]any {
	return map[string]any{
		"user": u.wire(), "roles": []any{}, "permissions": strconv.FormatInt(perms, 10),
		"joined_at": "2024-01-01T00:00:00.000000+00:00", "nick": nil, "avatar": nil, "flags": 0,
		"pending": false, "deaf": false, "mute": false, "premium_since": nil, "communication_disabled_until": nil,
	}
}
