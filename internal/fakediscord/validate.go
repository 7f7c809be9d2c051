package fakediscord

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Discord's message limits.
const (
	MaxContent          = 2000
	MaxEmbeds           = 10
	MaxEmbedTotal       = 6000
	MaxEmbedTitle       = 256
	MaxEmbedDescription = 4096
	MaxEmbedFields      = 25
	MaxFieldName        = 256
	MaxFieldValue       = 1024
	MaxFooterText       = 2048
	MaxAuthorName       = 256
	MaxThreadName       = 100
)

// Discord's JSON error codes the fake answers with.
const (
	CodeUnknownChannel      = 10003
	CodeUnknownMessage      = 10008
	CodeUnknownWebhook      = 10015
	CodeUnknownInteraction  = 10062
	CodeAlreadyAcknowledged = 40060
	CodeEmptyMessage        = 50006
	CodeInvalidWebhookToken = 50027
	CodeInvalidFormBody     = 50035
	CodeThreadAlreadyExists = 160004
)

// MessageBody is the message payload of a create, edit, interaction callback
// or follow-up request. Pointer fields are nil when the request omitted them
// (or sent null).
type MessageBody struct {
	Content         *string          `json:"content"`
	Embeds          *[]Embed         `json:"embeds"`
	Components      json.RawMessage  `json:"components"`
	Flags           int              `json:"flags"`
	AllowedMentions *AllowedMentions `json:"allowed_mentions"`
	Nonce           json.RawMessage  `json:"nonce"`
	EnforceNonce    bool             `json:"enforce_nonce"`
	Reference       *struct {
		MessageID string `json:"message_id"`
	} `json:"message_reference"`
	StickerIDs []string        `json:"sticker_ids"`
	Poll       json.RawMessage `json:"poll"`
	// Files counts uploaded files (multipart requests).
	Files int `json:"-"`
}

// NoPings reports whether the payload sets allowed_mentions to exactly
// {"parse": []}: an empty, non-null parse list and no allowed users or roles.
func (b *MessageBody) NoPings() bool {
	am := b.AllowedMentions
	return am != nil && am.Parse != nil && len(am.Parse) == 0 && len(am.Users) == 0 && len(am.Roles) == 0
}

var mentionRE = regexp.MustCompile(`@everyone|@here|<@!?(\d+)>|<@&(\d+)>`)

// LiveMentions reports whether req carries message content that would ping
// someone: content holding @everyone, @here, <@id> or <@&id> while its
// allowed_mentions is missing, has "parse": null, or permits that kind of
// mention (by parse type or by listing the id).
func LiveMentions(req Request) bool {
	b := req.Message
	if b == nil || b.Content == nil {
		return false
	}
	for _, m := range mentionRE.FindAllStringSubmatch(*b.Content, -1) {
		if mentionAllowed(b.AllowedMentions, m) {
			return true
		}
	}
	return false
}

func mentionAllowed(am *AllowedMentions, m []string) bool {
	if am == nil || am.Parse == nil && len(am.Users) == 0 && len(am.Roles) == 0 {
		return true // Discord's default parses everything
	}
	has := func(list []string, v string) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	switch {
	case m[1] != "":
		return has(am.Parse, "users") || has(am.Users, m[1])
	case m[2] != "":
		return has(am.Parse, "roles") || has(am.Roles, m[2])
	default:
		return has(am.Parse, "everyone")
	}
}

// formErrors builds Discord's nested "errors" object of a 50035 answer.
type formErrors map[string]any

func (f formErrors) add(path []string, code, msg string) {
	node := map[string]any(f)
	for _, p := range path {
		next, ok := node[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			node[p] = next
		}
		node = next
	}
	list, _ := node["_errors"].([]any)
	node["_errors"] = append(list, map[string]any{"code": code, "message": msg})
}

func (f formErrors) tooLong(path []string, limit int) {
	f.add(path, "BASE_TYPE_MAX_LENGTH", "Must be "+strconv.Itoa(limit)+" or fewer in length.")
}

// writeFormErrors answers 400 Invalid Form Body when errs is not empty.
func writeFormErrors(w http.ResponseWriter, errs formErrors) bool {
	if len(errs) == 0 {
		return false
	}
	writeJSON(w, http.StatusBadRequest, map[string]any{
		"code": CodeInvalidFormBody, "errors": map[string]any(errs), "message": "Invalid Form Body",
	})
	return true
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// validateBody checks b against Discord's limits; prefix nests the error
// paths (["data"] for interaction callbacks).
func validateBody(b *MessageBody, prefix []string) formErrors {
	errs := formErrors{}
	at := func(p ...string) []string { return append(append([]string(nil), prefix...), p...) }
	if b.Content != nil && runes(*b.Content) > MaxContent {
		errs.tooLong(at("content"), MaxContent)
	}
	if b.Embeds != nil {
		embeds := *b.Embeds
		if len(embeds) > MaxEmbeds {
			errs.tooLong(at("embeds"), MaxEmbeds)
		}
		total := 0
		for i, e := range embeds {
			n := strconv.Itoa(i)
			check := func(v string, limit int, p ...string) {
				total += runes(v)
				if runes(v) > limit {
					errs.tooLong(at(append([]string{"embeds", n}, p...)...), limit)
				}
			}
			check(e.Title, MaxEmbedTitle, "title")
			check(e.Description, MaxEmbedDescription, "description")
			if e.Footer != nil {
				check(e.Footer.Text, MaxFooterText, "footer", "text")
			}
			if e.Author != nil {
				check(e.Author.Name, MaxAuthorName, "author", "name")
			}
			if len(e.Fields) > MaxEmbedFields {
				errs.tooLong(at("embeds", n, "fields"), MaxEmbedFields)
			}
			for j, f := range e.Fields {
				fj := strconv.Itoa(j)
				check(f.Name, MaxFieldName, "fields", fj, "name")
				check(f.Value, MaxFieldValue, "fields", fj, "value")
				if strings.TrimSpace(f.Name) == "" {
					errs.add(at("embeds", n, "fields", fj, "name"), "BASE_TYPE_REQUIRED", "This field is required")
				}
				if strings.TrimSpace(f.Value) == "" {
					errs.add(at("embeds", n, "fields", fj, "value"), "BASE_TYPE_REQUIRED", "This field is required")
				}
			}
		}
		if total > MaxEmbedTotal {
			errs.add(at("embeds"), "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
		}
	}
	if n := countArray(b.Components); n > 5 {
		errs.tooLong(at("components"), 5)
	}
	if len(b.Nonce) > 0 && string(b.Nonce) != "null" {
		if _, ok := nonceString(b.Nonce); !ok {
			errs.tooLong(at("nonce"), 25)
		}
	}
	return errs
}

// nonceString normalizes a string or integer nonce; ok is false when it is
// not valid (a string over 25 characters, or another JSON type).
func nonceString(raw json.RawMessage) (string, bool) {
	var str string
	if json.Unmarshal(raw, &str) == nil {
		return str, runes(str) <= 25
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		if _, err := n.Int64(); err == nil {
			return n.String(), true
		}
	}
	return "", false
}

func countArray(raw json.RawMessage) int {
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return 0
	}
	return len(items)
}

// empty reports whether a message with this content would be empty.
func empty(content string, embeds []Embed, components json.RawMessage, files int, stickers []string, poll json.RawMessage) bool {
	return strings.TrimSpace(content) == "" && len(embeds) == 0 && countArray(components) == 0 &&
		files == 0 && len(stickers) == 0 && (len(poll) == 0 || string(poll) == "null")
}

// parseBody decodes a message payload from raw JSON (nil on failure).
func parseBody(raw []byte, files int) *MessageBody {
	var b MessageBody
	if len(raw) == 0 || json.Unmarshal(raw, &b) != nil {
		return nil
	}
	b.Files = files
	return &b
}

// writeEmpty answers Discord's "Cannot send an empty message".
func writeEmpty(w http.ResponseWriter) {
	writeError(w, http.StatusBadRequest, CodeEmptyMessage, "Cannot send an empty message")
}
