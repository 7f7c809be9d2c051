package fakediscord

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// Command is a registered application command.
type Command struct {
	ID                       string          `json:"id"`
	ApplicationID            string          `json:"application_id"`
	GuildID                  string          `json:"guild_id,omitempty"`
	Version                  string          `json:"version"`
	Type                     int             `json:"type"`
	Name                     string          `json:"name"`
	Description              string          `json:"description"`
	Options                  []CommandOption `json:"options,omitempty"`
	DefaultMemberPermissions *string         `json:"default_member_permissions"`
	Contexts                 []int           `json:"contexts,omitempty"`
}

// CommandOption is an option of a registered command.
type CommandOption struct {
	Type         int             `json:"type"`
	Name         string          `json:"name"`
	Description  string          `json:"description"`
	Required     bool            `json:"required,omitempty"`
	Autocomplete bool            `json:"autocomplete,omitempty"`
	MinLength    *int            `json:"min_length,omitempty"`
	MaxLength    *int            `json:"max_length,omitempty"`
	Choices      json.RawMessage `json:"choices,omitempty"`
	ChannelTypes []int           `json:"channel_types,omitempty"`
	Options      []CommandOption `json:"options,omitempty"`
}

func (c Command) hasOption(name string, typ int) bool {
	for _, o := range c.Options {
		if o.Name == name && o.Type == typ {
			return true
		}
	}
	return false
}

// Option returns the registered option called name.
func (c Command) Option(name string) (CommandOption, bool) {
	for _, o := range c.Options {
		if o.Name == name {
			return o, true
		}
	}
	return CommandOption{}, false
}

// Commands lists the commands registered for guildID ("" for global ones).
func (s *Server) Commands(guildID string) []Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Command(nil), s.commands[guildID]...)
}

// findCommand looks a command up in the guild, then globally.
func (s *Server) findCommand(guildID, name string, typ int) (Command, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, scope := range []string{guildID, ""} {
		for _, c := range s.commands[scope] {
			if c.Name == name && c.Type == typ {
				return c, true
			}
		}
	}
	return Command{}, false
}

var commandNameRE = regexp.MustCompile(`^[-_\p{L}\p{N}]{1,32}$`)

func (s *Server) putCommands(w http.ResponseWriter, r *http.Request, req *Request) {
	if r.PathValue("app") != s.app.ID {
		writeError(w, http.StatusForbidden, 50001, "Missing Access")
		return
	}
	guildID := r.PathValue("guild")
	if guildID != "" && !s.inGuild(guildID) {
		writeError(w, http.StatusForbidden, 50001, "Missing Access")
		return
	}
	var cmds []Command
	if err := json.Unmarshal(req.Body, &cmds); err != nil {
		writeError(w, http.StatusBadRequest, CodeInvalidFormBody, "Invalid Form Body")
		return
	}
	if writeFormErrors(w, validateCommands(cmds)) {
		return
	}
	s.mu.Lock()
	old := s.commands[guildID]
	out := make([]Command, 0, len(cmds))
	for _, c := range cmds {
		if c.Type == 0 {
			c.Type = CommandChatInput
		}
		c.ID = ""
		for _, o := range old {
			if o.Name == c.Name && o.Type == c.Type {
				c.ID = o.ID // Discord keeps the id of a command it already had
			}
		}
		if c.ID == "" {
			c.ID = s.ids.next()
		}
		c.ApplicationID, c.GuildID, c.Version = s.app.ID, guildID, s.ids.next()
		out = append(out, c)
	}
	s.commands[guildID] = out
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getCommands(w http.ResponseWriter, r *http.Request, _ *Request) {
	if r.PathValue("app") != s.app.ID {
		writeError(w, http.StatusForbidden, 50001, "Missing Access")
		return
	}
	cmds := s.Commands(r.PathValue("guild"))
	if cmds == nil {
		cmds = []Command{}
	}
	writeJSON(w, http.StatusOK, cmds)
}

func (s *Server) inGuild(id string) bool {
	for _, g := range s.guilds {
		if g == id {
			return true
		}
	}
	return false
}

// validateCommands applies Discord's rules for command definitions.
func validateCommands(cmds []Command) formErrors {
	errs := formErrors{}
	seen := map[string]bool{}
	for i, c := range cmds {
		at := func(p ...string) []string { return append([]string{strconv.Itoa(i)}, p...) }
		typ := c.Type
		if typ == 0 {
			typ = CommandChatInput
		}
		key := strconv.Itoa(typ) + "/" + c.Name
		if seen[key] {
			errs.add(at("name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
		}
		seen[key] = true
		if typ == CommandChatInput {
			if !commandNameRE.MatchString(c.Name) || strings.ToLower(c.Name) != c.Name {
				errs.add(at("name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
			}
			if n := runes(c.Description); n < 1 || n > 100 {
				errs.add(at("description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
			}
		} else {
			if n := runes(c.Name); n < 1 || n > 32 {
				errs.add(at("name"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
			}
			if c.Description != "" || len(c.Options) > 0 {
				errs.add(at("description"), "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION", "Context menu commands cannot have description or options")
			}
		}
		validateOptions(errs, at("options"), c.Options)
	}
	return errs
}

func validateOptions(errs formErrors, at []string, opts []CommandOption) {
	if len(opts) > 25 {
		errs.tooLong(at, 25)
	}
	optional := false
	for j, o := range opts {
		p := append(append([]string(nil), at...), strconv.Itoa(j))
		if !commandNameRE.MatchString(o.Name) || strings.ToLower(o.Name) != o.Name {
			errs.add(append(p, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
		}
		if n := runes(o.Description); n < 1 || n > 100 {
			errs.add(append(p, "description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
		}
		if o.Required && optional {
			errs.add(append(p, "required"), "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be placed before non-required options")
		}
		optional = optional || !o.Required
		if o.Autocomplete && len(o.Choices) > 0 && string(o.Choices) != "null" && string(o.Choices) != "[]" {
			errs.add(append(p, "autocomplete"), "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID", "Autocomplete cannot be set with choices")
		}
		validateOptions(errs, append(p, "options"), o.Options)
	}
}
