// Package render turns summaries, digests and follow-up answers into Discord
// messages that hold every Discord limit and cannot ping anyone, and into
// markdown for the terminal.
//
// All lengths are counted in runes (Unicode code points), as Discord counts
// them; text is cut on word boundaries with an ellipsis, never inside a
// UTF-8 sequence.
package render

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// Discord's message and embed limits, in runes.
const (
	MaxContent          = 2000 // message content
	MaxEmbeds           = 10   // embeds per message
	MaxEmbedTotal       = 6000 // all embed text of one message together
	MaxEmbedTitle       = 256
	MaxEmbedDescription = 4096
	MaxEmbedFields      = 25
	MaxFieldName        = 256
	MaxFieldValue       = 1024
	MaxFooter           = 2048
	MaxAuthor           = 256
	MaxThreadName       = 100
)

// ErrLimit is wrapped by every error of CheckLimits and CheckEmbedLimits.
var ErrLimit = errors.New("discord limit exceeded")

// CheckLimits reports the first Discord limit msg breaks: content length,
// number of embeds, the 6000-rune total over all its embeds, and every
// per-embed limit (see CheckEmbedLimits). The error wraps ErrLimit.
func CheckLimits(msg *discordgo.MessageSend) error {
	if msg == nil {
		return fmt.Errorf("nil message: %w", ErrLimit)
	}
	if n := utf8.RuneCountInString(msg.Content); n > MaxContent {
		return fmt.Errorf("content has %d runes, max %d: %w", n, MaxContent, ErrLimit)
	}
	if len(msg.Embeds) > MaxEmbeds {
		return fmt.Errorf("%d embeds, max %d: %w", len(msg.Embeds), MaxEmbeds, ErrLimit)
	}
	total := 0
	for i, e := range msg.Embeds {
		if err := CheckEmbedLimits(e); err != nil {
			return fmt.Errorf("embed %d: %w", i, err)
		}
		total += EmbedLength(e)
	}
	if total > MaxEmbedTotal {
		return fmt.Errorf("embeds hold %d runes together, max %d: %w", total, MaxEmbedTotal, ErrLimit)
	}
	if msg.Content == "" && len(msg.Embeds) == 0 && len(msg.Files) == 0 {
		return fmt.Errorf("empty message: %w", ErrLimit)
	}
	return nil
}

// CheckEmbedLimits reports the first limit e breaks: title, description,
// number of fields, field name and value (both also non-empty), footer,
// author, and the 6000-rune total. The error wraps ErrLimit.
func CheckEmbedLimits(e *discordgo.MessageEmbed) error {
	if e == nil {
		return fmt.Errorf("nil embed: %w", ErrLimit)
	}
	check := func(what, s string, max int) error {
		if n := utf8.RuneCountInString(s); n > max {
			return fmt.Errorf("%s has %d runes, max %d: %w", what, n, max, ErrLimit)
		}
		return nil
	}
	if err := check("title", e.Title, MaxEmbedTitle); err != nil {
		return err
	}
	if err := check("description", e.Description, MaxEmbedDescription); err != nil {
		return err
	}
	if len(e.Fields) > MaxEmbedFields {
		return fmt.Errorf("%d fields, max %d: %w", len(e.Fields), MaxEmbedFields, ErrLimit)
	}
	for i, f := range e.Fields {
		if f == nil || f.Name == "" || f.Value == "" {
			return fmt.Errorf("field %d is nil or has an empty name or value: %w", i, ErrLimit)
		}
		if err := check(fmt.Sprintf("field %d name", i), f.Name, MaxFieldName); err != nil {
			return err
		}
		if err := check(fmt.Sprintf("field %d value", i), f.Value, MaxFieldValue); err != nil {
			return err
		}
	}
	if e.Footer != nil {
		if err := check("footer", e.Footer.Text, MaxFooter); err != nil {
			return err
		}
	}
	if e.Author != nil {
		if err := check("author", e.Author.Name, MaxAuthor); err != nil {
			return err
		}
	}
	if n := EmbedLength(e); n > MaxEmbedTotal {
		return fmt.Errorf("embed holds %d runes, max %d: %w", n, MaxEmbedTotal, ErrLimit)
	}
	return nil
}

// EmbedLength is the number of runes of e that count towards Discord's
// 6000-rune total: title, description, field names and values, footer text
// and author name.
func EmbedLength(e *discordgo.MessageEmbed) int {
	if e == nil {
		return 0
	}
	n := utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description)
	for _, f := range e.Fields {
		if f != nil {
			n += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
		}
	}
	if e.Footer != nil {
		n += utf8.RuneCountInString(e.Footer.Text)
	}
	if e.Author != nil {
		n += utf8.RuneCountInString(e.Author.Name)
	}
	return n
}
