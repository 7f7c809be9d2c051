package bot

import (
	"context"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// Command is one entry of the command table: what Discord is told (its
// definition), what Discord fixes at the first response (whether the
// command may defer, whether its answers are private, the modal it opens),
// and the functions that answer it. The bot routes interactions by the
// definition's name (and modal submissions by ModalID) and owns everything
// Discord-side of the answer.
type Command struct {
	// Definition is registered on READY (bulk overwrite).
	Definition *discordgo.ApplicationCommand
	// ModalID, when set, routes the submissions of the modal this command
	// opens (custom id ModalID, or ModalID followed by ":…") to Handle.
	ModalID string
	// MayDefer says the answer may take longer than Discord's 3 seconds:
	// the bot defers when Handle returns a Response with Later, or when
	// Handle itself has not returned within deferAfter.
	MayDefer bool
	// Private decides, before Handle runs, whether a deferred answer is
	// ephemeral (Discord fixes it at the deferral); nil means public.
	Private func(Request) bool
	// Handle answers the command.
	Handle func(ctx context.Context, req Request) (Response, error)
	// Autocomplete, when set, suggests values for the focused option.
	Autocomplete func(ctx context.Context, req Request) ([]*discordgo.ApplicationCommandOptionChoice, error)
}

// name is the command's name.
func (c Command) name() string {
	if c.Definition == nil {
		return c.ModalID
	}
	return c.Definition.Name
}

// opensModal reports whether customID is the id of this command's modal.
func (c Command) opensModal(customID string) bool {
	return c.ModalID != "" && (customID == c.ModalID || strings.HasPrefix(customID, c.ModalID+":"))
}

// private applies the command's Private rule to req.
func (c Command) private(req Request) bool {
	return c.Private != nil && c.Private(req)
}

// Request is one invocation of a command, decoded: the options, who asked
// and where. Message is the target of a message context-menu command;
// CustomID and Fields are a modal's id and text values.
type Request struct {
	// Name is the command's name; Subcommand the invoked subcommand, if any.
	Name, Subcommand string
	// Options are the option values by name (string, bool, float64, or an
	// id as a string), the subcommand's for a subcommand.
	Options map[string]any
	// Focused is the option being typed, for Autocomplete.
	Focused string
	// UserID, GuildID, ChannelID and Locale say who asked, where, in which
	// language; GuildID is "" in a direct message.
	UserID, GuildID, ChannelID, Locale string
	// Permissions are the member's permissions in the channel (0 in a DM).
	Permissions int64
	// AppPermissions are the bot's own permissions in the channel, as
	// Discord sends them with the interaction (app_permissions).
	AppPermissions int64
	// Roles are the roles that role options name, as Discord resolved
	// them (with Mentionable), by id.
	Roles map[string]*discordgo.Role
	// Message is the message a context-menu command targets (nil when
	// Discord did not resolve it).
	Message *discordgo.Message
	// CustomID and Fields are a submitted modal's id and text inputs.
	CustomID string
	Fields   map[string]string
	// InteractionID identifies the interaction in logs.
	InteractionID string
}

// String returns a string option's value with spaces trimmed, "" when
// absent.
func (r Request) String(name string) string {
	s, _ := r.Options[name].(string)
	return strings.TrimSpace(s)
}

// Bool returns a boolean option's value, false when absent.
func (r Request) Bool(name string) bool {
	b, _ := r.Options[name].(bool)
	return b
}

// Response is a command's answer. The bot sends it at once, or edits the
// deferred original; Content longer than one message continues in
// follow-ups.
type Response struct {
	// Content and Embeds are the message.
	Content string
	Embeds  []*discordgo.MessageEmbed
	// Private makes the message ephemeral.
	Private bool
	// Thread, when set, asks for a public thread on the answer in a
	// server channel.
	Thread *Thread
	// Delivered, when set, is called with the id of the answer's (first)
	// message once a public answer in a server was delivered, to record
	// what was posted where. It runs after the answer was sent, so it
	// never delays it; it is not called for a private answer or in a
	// direct message.
	Delivered func(ctx context.Context, messageID string)
	// Modal, when set, is the answer instead of a message; only a first
	// response can be one.
	Modal *Modal
	// Later, when set, is the slow rest of the work (a fetch, an LLM
	// call): the bot defers, runs it, and delivers its Response instead.
	// For a message, the bot shows that it is typing.
	Later func(ctx context.Context) (Response, error)
}

// Thread asks for a thread on an answer.
type Thread struct {
	// Name is the thread's name.
	Name string
	// Wanted, when set, is asked once the answer was delivered; false
	// leaves the answer without a thread.
	Wanted func(ctx context.Context) bool
	// Opened records the opened thread.
	Opened func(ctx context.Context, threadID string)
}

// Modal is a form to fill in.
type Modal struct {
	CustomID, Title string
	Components      []discordgo.MessageComponent
}

// newRequest decodes i for cmd.
func newRequest(i *discordgo.Interaction) Request {
	req := Request{GuildID: i.GuildID, ChannelID: i.ChannelID, Locale: string(i.Locale), InteractionID: i.ID,
		AppPermissions: i.AppPermissions}
	switch {
	case i.Member != nil && i.Member.User != nil:
		req.UserID, req.Permissions = i.Member.User.ID, i.Member.Permissions
	case i.User != nil:
		req.UserID = i.User.ID
	}
	switch i.Type {
	case discordgo.InteractionApplicationCommand, discordgo.InteractionApplicationCommandAutocomplete:
		data := i.ApplicationCommandData()
		req.Name = data.Name
		opts := data.Options
		if len(opts) == 1 && (opts[0].Type == discordgo.ApplicationCommandOptionSubCommand || opts[0].Type == discordgo.ApplicationCommandOptionSubCommandGroup) {
			req.Subcommand, opts = opts[0].Name, opts[0].Options
		}
		req.Options = make(map[string]any, len(opts))
		for _, o := range opts {
			req.Options[o.Name] = o.Value
			if o.Focused {
				req.Focused = o.Name
			}
		}
		if data.Resolved != nil && data.TargetID != "" {
			req.Message = data.Resolved.Messages[data.TargetID]
		}
		if data.Resolved != nil && len(data.Resolved.Roles) > 0 {
			req.Roles = data.Resolved.Roles
		}
	case discordgo.InteractionModalSubmit:
		data := i.ModalSubmitData()
		req.CustomID, req.Fields = data.CustomID, map[string]string{}
		for _, row := range data.Components {
			if ar, ok := row.(*discordgo.ActionsRow); ok {
				for _, c := range ar.Components {
					if ti, ok := c.(*discordgo.TextInput); ok {
						req.Fields[ti.CustomID] = ti.Value
					}
				}
			}
		}
	}
	return req
}
