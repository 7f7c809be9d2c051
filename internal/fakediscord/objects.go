package fakediscord

import (
	"encoding/json"
	"strconv"
	"sync"
	"time"
)

// Channel types used by the fake (Discord's numbering).
const (
	ChannelTypeText          = 0
	ChannelTypeDM            = 1
	ChannelTypePublicThread  = 11
	ChannelTypePrivateThread = 12
)

// Message flags the fake sets or reads.
const (
	FlagHasThread = 1 << 5
	FlagEphemeral = 1 << 6
	FlagLoading   = 1 << 7
)

// discordEpoch is the first millisecond of 2015, Discord's snowflake epoch.
const discordEpoch = 1420070400000

// idGen hands out strictly increasing snowflakes derived from a clock.
type idGen struct {
	mu   sync.Mutex
	now  func() time.Time
	last uint64
}

func (g *idGen) next() string { return g.nextInShard(0, 1) }

// nextInShard is next for an id that shard shardID of shardCount owns by
// Discord's rule (ShardOf): its timestamp moves forward to the next
// millisecond that falls in the shard.
func (g *idGen) nextInShard(shardID, shardCount int) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	ms := g.now().UnixMilli() - discordEpoch
	if ms < 0 {
		ms = 0
	}
	id := uint64(ms) << 22
	if id <= g.last {
		id = g.last + 1
	}
	for shardCount > 1 && int((id>>22)%uint64(shardCount)) != shardID {
		id = (id>>22 + 1) << 22
	}
	g.last = id
	return strconv.FormatUint(id, 10)
}

// User is a Discord user as the fake knows it.
type User struct {
	ID         string
	Username   string
	GlobalName string
	Bot        bool
}

func (u User) wire() map[string]any {
	m := map[string]any{
		"id": u.ID, "username": u.Username, "discriminator": "0", "avatar": nil,
		"global_name": nilIfEmpty(u.GlobalName), "public_flags": 0, "flags": 0,
	}
	if u.Bot {
		m["bot"] = true
	}
	return m
}

// Channel is a guild channel or thread.
type Channel struct {
	ID       string
	GuildID  string
	ParentID string // threads: the channel the thread lives in
	OwnerID  string // threads: who started it
	Name     string
	Type     int
	// StarterMessageID is the message a thread was started from ("" for a
	// thread without one). Discord gives such a thread the message's id.
	StarterMessageID    string
	AutoArchiveDuration int
	CreatedAt           time.Time
}

// IsThread reports whether the channel is a thread.
func (c Channel) IsThread() bool { return c.Type >= 10 && c.Type <= 12 }

func (c Channel) wire() map[string]any {
	m := map[string]any{
		"id": c.ID, "type": c.Type, "name": c.Name, "flags": 0,
		"guild_id": nilIfEmpty(c.GuildID), "rate_limit_per_user": 0,
	}
	if c.IsThread() {
		m["parent_id"] = c.ParentID
		m["owner_id"] = c.OwnerID
		m["message_count"] = 0
		m["member_count"] = 1
		m["total_message_sent"] = 0
		m["thread_metadata"] = map[string]any{
			"archived": false, "locked": false, "auto_archive_duration": c.AutoArchiveDuration,
			"archive_timestamp": timestamp(c.CreatedAt), "create_timestamp": timestamp(c.CreatedAt),
		}
	} else {
		m["position"] = 0
		m["parent_id"] = nil
		m["topic"] = nil
		m["nsfw"] = false
		m["last_message_id"] = nil
	}
	return m
}

// channel is a Channel with its stored messages.
type channel struct {
	Channel
	messages []*Message
}

// Message is a message the fake stores: sent by the bot through REST, created
// by an interaction response, or dispatched by the test.
type Message struct {
	ID              string
	ChannelID       string
	GuildID         string
	Author          User
	Content         string
	Embeds          []Embed
	Components      json.RawMessage
	Attachments     []string // file names of uploaded files
	Flags           int
	Type            int
	Nonce           string
	ReferenceID     string // message_reference.message_id of a reply
	ThreadID        string // thread started from this message
	InteractionID   string // set on interaction responses and follow-ups
	Mentions        []User
	MentionRoles    []string
	MentionEveryone bool
	AllowedMentions *AllowedMentions // as sent by the bot, nil when absent
	CreatedAt       time.Time
	EditedAt        time.Time
	Edits           int
	Deleted         bool
}

// Ephemeral reports whether only the invoking user sees the message.
func (m Message) Ephemeral() bool { return m.Flags&FlagEphemeral != 0 }

func (m *Message) clone() Message {
	c := *m
	c.Embeds = append([]Embed(nil), m.Embeds...)
	c.Attachments = append([]string(nil), m.Attachments...)
	c.Mentions = append([]User(nil), m.Mentions...)
	c.MentionRoles = append([]string(nil), m.MentionRoles...)
	return c
}

func (m *Message) wire() map[string]any {
	mentions := make([]any, 0, len(m.Mentions))
	for _, u := range m.Mentions {
		mentions = append(mentions, u.wire())
	}
	embeds := m.Embeds
	if embeds == nil {
		embeds = []Embed{}
	}
	components := m.Components
	if len(components) == 0 || string(components) == "null" {
		components = json.RawMessage("[]")
	}
	roles := m.MentionRoles
	if roles == nil {
		roles = []string{}
	}
	attachments := make([]any, 0, len(m.Attachments))
	for i, name := range m.Attachments {
		attachments = append(attachments, map[string]any{"id": m.ID + strconv.Itoa(i), "filename": name})
	}
	w := map[string]any{
		"id": m.ID, "type": m.Type, "channel_id": m.ChannelID, "author": m.Author.wire(),
		"content": m.Content, "timestamp": timestamp(m.CreatedAt), "edited_timestamp": nil,
		"tts": false, "mention_everyone": m.MentionEveryone, "mentions": mentions,
		"mention_roles": roles, "attachments": attachments, "embeds": embeds,
		"pinned": false, "flags": m.Flags, "components": components,
	}
	if m.GuildID != "" {
		w["guild_id"] = m.GuildID
	}
	if !m.EditedAt.IsZero() {
		w["edited_timestamp"] = timestamp(m.EditedAt)
	}
	if m.Nonce != "" {
		w["nonce"] = m.Nonce
	}
	if m.ReferenceID != "" {
		w["message_reference"] = map[string]any{"type": 0, "message_id": m.ReferenceID, "channel_id": m.ChannelID, "guild_id": nilIfEmpty(m.GuildID)}
	}
	if m.InteractionID != "" {
		w["webhook_id"] = m.Author.ID
		w["application_id"] = m.Author.ID
	}
	if m.ThreadID != "" {
		w["thread"] = map[string]any{"id": m.ThreadID, "type": ChannelTypePublicThread, "parent_id": m.ChannelID, "guild_id": nilIfEmpty(m.GuildID)}
	}
	return w
}

// Embed is a rich embed, in Discord's JSON shape.
type Embed struct {
	Type        string       `json:"type,omitempty"`
	Title       string       `json:"title,omitempty"`
	Description string       `json:"description,omitempty"`
	URL         string       `json:"url,omitempty"`
	Timestamp   string       `json:"timestamp,omitempty"`
	Color       int          `json:"color,omitempty"`
	Footer      *EmbedFooter `json:"footer,omitempty"`
	Image       *EmbedMedia  `json:"image,omitempty"`
	Thumbnail   *EmbedMedia  `json:"thumbnail,omitempty"`
	Author      *EmbedAuthor `json:"author,omitempty"`
	Fields      []EmbedField `json:"fields,omitempty"`
}

// EmbedFooter is an embed's footer.
type EmbedFooter struct {
	Text    string `json:"text"`
	IconURL string `json:"icon_url,omitempty"`
}

// EmbedMedia is an embed image or thumbnail.
type EmbedMedia struct {
	URL string `json:"url"`
}

// EmbedAuthor is an embed's author line.
type EmbedAuthor struct {
	Name    string `json:"name"`
	URL     string `json:"url,omitempty"`
	IconURL string `json:"icon_url,omitempty"`
}

// EmbedField is one name/value field of an embed.
type EmbedField struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline,omitempty"`
}

// AllowedMentions is the allowed_mentions object of a message request.
// Parse is nil when the request sent no "parse" or "parse": null.
type AllowedMentions struct {
	Parse       []string `json:"parse"`
	Users       []string `json:"users"`
	Roles       []string `json:"roles"`
	RepliedUser bool     `json:"replied_user"`
}

func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000+00:00") }

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
