package fakediscord

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
)

// Interaction types (Discord's numbering).
const (
	InteractionCommand      = 2
	InteractionComponent    = 3
	InteractionAutocomplete = 4
	InteractionModalSubmit  = 5
)

// Command types (Discord's numbering).
const (
	CommandChatInput = 1
	CommandUser      = 2
	CommandMessage   = 3
)

// DefaultMemberPermissions are the permissions of a member without roles:
// view channels, send messages (and in threads), embed links, read history,
// use application commands.
const DefaultMemberPermissions int64 = 1<<10 | 1<<11 | 1<<38 | 1<<14 | 1<<16 | 1<<31

// PermissionManageGuild is Manage Server.
const PermissionManageGuild int64 = 1 << 5

// InteractionSpec describes an interaction for DispatchInteraction. Build it
// with SlashCommand, MessageCommand, Autocomplete or ModalSubmit, then set
// the optional fields.
type InteractionSpec struct {
	Type        int
	Name        string // command name
	CommandType int
	Options     []Option
	Target      *MessageSpec // message context-menu target
	CustomID    string       // modal custom_id
	Fields      []TextInput  // modal submit values

	GuildID     string // default: first guild ("" with DM set)
	ChannelID   string // default: the guild's text channel
	User        User   // default: DefaultUser
	Permissions int64  // member permissions; 0 means DefaultMemberPermissions
	DM          bool   // invoked in a DM: user instead of member, no guild
	Locale      string // default "en-US"
}

// Option is one command option value in an interaction.
type Option struct {
	Name    string
	Type    int
	Value   any
	Focused bool
	Options []Option
}

// TextInput is one filled text input of a modal submit.
type TextInput struct {
	CustomID string
	Value    string
}

// StringOption is a string option (type 3).
func StringOption(name, value string) Option { return Option{Name: name, Type: 3, Value: value} }

// BoolOption is a boolean option (type 5).
func BoolOption(name string, value bool) Option { return Option{Name: name, Type: 5, Value: value} }

// ChannelOption is a channel option (type 7).
func ChannelOption(name, channelID string) Option {
	return Option{Name: name, Type: 7, Value: channelID}
}

// FocusedOption is the string option being typed in an autocomplete.
func FocusedOption(name, partial string) Option {
	return Option{Name: name, Type: 3, Value: partial, Focused: true}
}

// SubcommandOption is a subcommand (type 1) with its options.
func SubcommandOption(name string, opts ...Option) Option {
	return Option{Name: name, Type: 1, Options: opts}
}

// SlashCommand is a chat-input command invocation.
func SlashCommand(name string, opts ...Option) InteractionSpec {
	return InteractionSpec{Type: InteractionCommand, CommandType: CommandChatInput, Name: name, Options: opts}
}

// Autocomplete is an autocomplete request; one option should be focused.
func Autocomplete(name string, opts ...Option) InteractionSpec {
	return InteractionSpec{Type: InteractionAutocomplete, CommandType: CommandChatInput, Name: name, Options: opts}
}

// MessageCommand is a message context-menu command on target, which is
// stored in its channel and sent resolved.
func MessageCommand(name string, target MessageSpec) InteractionSpec {
	return InteractionSpec{Type: InteractionCommand, CommandType: CommandMessage, Name: name, Target: &target}
}

// ModalSubmit is the submission of a modal with the given text inputs.
func ModalSubmit(customID string, fields ...TextInput) InteractionSpec {
	return InteractionSpec{Type: InteractionModalSubmit, CustomID: customID, Fields: fields}
}

// Dispatched identifies a dispatched interaction.
type Dispatched struct {
	ID    string
	Token string
}

// MessageSpec describes a message a (human, by default) user posts.
type MessageSpec struct {
	ChannelID string // default: the first guild's text channel; may be a thread
	Author    User   // default: DefaultUser
	Content   string
	Embeds    []Embed
	// Mentions default to the users written as <@id> in Content (the bot's
	// id resolves to the bot user).
	Mentions        []User
	MentionRoles    []string
	MentionEveryone bool
	ReplyTo         string // message id this message replies to
}

// DispatchMessage stores the message and sends MESSAGE_CREATE to sessions
// with the Guild Messages intent. As on Discord, sessions without the
// Message Content intent get empty content unless the bot is mentioned.
func (s *Server) DispatchMessage(spec MessageSpec) (Message, error) {
	m, err := s.storeUserMessage(spec)
	if err != nil {
		return Message{}, fmt.Errorf("fakediscord: dispatch message: %w", err)
	}
	if len(s.readySessions(m.GuildID)) == 0 {
		return m, ErrNoSession
	}
	wire := m.wire()
	if m.GuildID != "" {
		member := memberWire(m.Author, DefaultMemberPermissions)
		delete(member, "user")
		wire["member"] = member
	}
	s.dispatchMessageEvent("MESSAGE_CREATE", wire, m.GuildID, m.Author.ID == s.app.ID)
	s.changed.broadcast()
	return m, nil
}

var userMentionRE = regexp.MustCompile(`<@!?(\d+)>`)

// storeUserMessage stores a message described by spec in its channel.
func (s *Server) storeUserMessage(spec MessageSpec) (Message, error) {
	var guildID string
	s.fillDefaults(&guildID, &spec.ChannelID, &spec.Author, false)
	c, ok := s.Channel(spec.ChannelID)
	if !ok {
		return Message{}, fmt.Errorf("unknown channel %s", spec.ChannelID)
	}
	if spec.Mentions == nil {
		for _, sub := range userMentionRE.FindAllStringSubmatch(spec.Content, -1) {
			u := User{ID: sub[1], Username: "user" + sub[1]}
			switch sub[1] {
			case s.app.ID:
				u = s.app
			case s.user.ID:
				u = s.user
			}
			spec.Mentions = append(spec.Mentions, u)
		}
	}
	m := &Message{
		ID: s.ids.next(), ChannelID: c.ID, GuildID: c.GuildID, Author: spec.Author, Content: spec.Content,
		Embeds: spec.Embeds, Mentions: spec.Mentions, MentionRoles: spec.MentionRoles,
		MentionEveryone: spec.MentionEveryone, ReferenceID: spec.ReplyTo, CreatedAt: s.opts.Now(),
	}
	if m.ReferenceID != "" {
		m.Type = 19
	}
	s.mu.Lock()
	s.storeLocked(m)
	out := m.clone()
	s.mu.Unlock()
	return out, nil
}

// guildWire is the GUILD_CREATE payload of a guild.
func (s *Server) guildWire(id string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	channels, threads := []any{}, []any{}
	for _, c := range s.channels {
		if c.GuildID != id {
			continue
		}
		if c.IsThread() {
			threads = append(threads, c.wire())
		} else {
			channels = append(channels, c.wire())
		}
	}
	bot := memberWire(s.app, 0)
	return map[string]any{
		"id": id, "name": "Guild " + id, "icon": nil, "owner_id": s.user.ID, "unavailable": false,
		"joined_at": "2024-01-01T00:00:00.000000+00:00", "large": false, "member_count": 2,
		"roles": []any{map[string]any{
			"id": id, "name": "@everyone", "permissions": strconv.FormatInt(DefaultMemberPermissions, 10),
			"position": 0, "color": 0, "hoist": false, "managed": false, "mentionable": false, "flags": 0,
		}},
		"channels": channels, "threads": threads, "members": []any{bot}, "emojis": []any{},
		"features": []any{}, "voice_states": []any{}, "presences": []any{}, "stage_instances": []any{},
		"stickers": []any{}, "guild_scheduled_events": []any{}, "preferred_locale": "en-US",
		"afk_timeout": 300, "verification_level": 0, "default_message_notifications": 0,
		"explicit_content_filter": 0, "mfa_level": 0, "premium_tier": 0, "nsfw_level": 0,
		"system_channel_id": nil,
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randomToken() string {
	b := make([]byte, 48)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
