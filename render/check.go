package render

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// ErrUnsafe is wrapped by every error of CheckSafe and CheckTextSafe.
var ErrUnsafe = errors.New("unsafe message")

var (
	// liveMention is a mention Discord would parse: @everyone, @here, a
	// user, role or channel mention.
	liveMention = regexp.MustCompile(`(?i)@everyone|@here|<@[!&]?[0-9]|<#[0-9]`)
	// ownCVELink is the one masked link render writes itself.
	ownCVELink = regexp.MustCompile(`\[(CVE-[0-9]{4}-[0-9]{4,19})\]\(https://nvd\.nist\.gov/vuln/detail/(CVE-[0-9]{4}-[0-9]{4,19})\)`)
)

// CheckTextSafe reports a live mention (@everyone, @here, <@id>, <@!id>,
// <@&id>, <#id>) or a masked link in s. NVD links of CVE ids whose text
// is the id they link to are not counted as masked links. The error wraps
// ErrUnsafe.
func CheckTextSafe(s string) error {
	if loc := liveMention.FindStringIndex(s); loc != nil {
		return fmt.Errorf("live mention %q: %w", s[loc[0]:loc[1]], ErrUnsafe)
	}
	rest := ownCVELink.ReplaceAllStringFunc(s, func(m string) string {
		sub := ownCVELink.FindStringSubmatch(m)
		if sub[1] == sub[2] {
			return ""
		}
		return m
	})
	if i := strings.Index(rest, "]("); i >= 0 {
		return fmt.Errorf("masked link near %q: %w", around(rest, i), ErrUnsafe)
	}
	return nil
}

// CheckSafe reports the first unsafe part of msg: allowed_mentions missing
// or other than a non-nil empty parse list with no users, roles or replied
// user, or unsafe text (see CheckTextSafe) in its content or any embed
// text. The error wraps ErrUnsafe.
func CheckSafe(msg *discordgo.MessageSend) error {
	if msg == nil {
		return fmt.Errorf("nil message: %w", ErrUnsafe)
	}
	if err := CheckAllowedMentions(msg.AllowedMentions); err != nil {
		return err
	}
	if err := CheckTextSafe(msg.Content); err != nil {
		return fmt.Errorf("content: %w", err)
	}
	for i, e := range msg.Embeds {
		if err := CheckEmbedSafe(e); err != nil {
			return fmt.Errorf("embed %d: %w", i, err)
		}
	}
	return nil
}

// CheckAllowedMentions reports whether am is anything but NoMentions.
func CheckAllowedMentions(am *discordgo.MessageAllowedMentions) error {
	return checkMentions(am, false)
}

// CheckRoleMentions reports whether am allows more than pinging the roles
// it lists: it must be a non-nil empty parse list with no users and no
// replied user, as CheckAllowedMentions, but may list roles (the watch
// alerts' pings).
func CheckRoleMentions(am *discordgo.MessageAllowedMentions) error {
	return checkMentions(am, true)
}

// checkMentions is CheckAllowedMentions, or CheckRoleMentions when roles
// are allowed.
func checkMentions(am *discordgo.MessageAllowedMentions, roles bool) error {
	switch {
	case am == nil:
		return fmt.Errorf("allowed_mentions missing: %w", ErrUnsafe)
	case am.Parse == nil:
		return fmt.Errorf("allowed_mentions parse is nil (serializes as null): %w", ErrUnsafe)
	case len(am.Parse) > 0 || len(am.Users) > 0 || (!roles && len(am.Roles) > 0) || am.RepliedUser:
		return fmt.Errorf("allowed_mentions allows pings: %w", ErrUnsafe)
	}
	return nil
}

// CheckEmbedSafe runs CheckTextSafe on every text of e.
func CheckEmbedSafe(e *discordgo.MessageEmbed) error {
	if e == nil {
		return nil
	}
	type text struct{ what, s string }
	texts := []text{{"title", e.Title}, {"description", e.Description}}
	if e.Footer != nil {
		texts = append(texts, text{"footer", e.Footer.Text})
	}
	if e.Author != nil {
		texts = append(texts, text{"author", e.Author.Name})
	}
	for i, f := range e.Fields {
		if f != nil {
			texts = append(texts, text{fmt.Sprintf("field %d name", i), f.Name}, text{fmt.Sprintf("field %d value", i), f.Value})
		}
	}
	for _, t := range texts {
		if err := CheckTextSafe(t.s); err != nil {
			return fmt.Errorf("%s: %w", t.what, err)
		}
	}
	return nil
}

// around is up to 20 bytes of s either side of i, for error messages.
func around(s string, i int) string {
	lo, hi := max(0, i-20), min(len(s), i+20)
	return strings.ToValidUTF8(s[lo:hi], "")
}
