package render

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// maxItemRunes caps one list item, so a single runaway item cannot crowd out
// the rest of its list.
const maxItemRunes = 300

// moreReserve is the room kept for the "…and N more" line.
const moreReserve = len("\n…and 99999 more")

// packLines joins lines with "\n" into at most max runes, each line cut to
// maxItemRunes; the lines that do not fit are counted in a final
// "…and N more" line.
func packLines(lines []string, max int) string {
	var b strings.Builder
	n := 0
	for i, line := range lines {
		line = Truncate(line, maxItemRunes)
		need := runeLen(line)
		if n > 0 {
			need++ // the newline
		}
		reserve := 0
		if i < len(lines)-1 {
			reserve = moreReserve
		}
		if n+need+reserve > max {
			more := fmt.Sprintf("…and %d more", len(lines)-i)
			if n > 0 {
				more = "\n" + more
			}
			b.WriteString(more)
			return Truncate(b.String(), max)
		}
		if n > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(line)
		n += need
	}
	return b.String()
}

// bullets sanitizes every item to one line, drops empty ones and prefixes
// the rest with "• ".
func bullets(items []string, allowed func(string) bool) []string {
	var out []string
	for _, it := range items {
		if t := oneLine(Sanitize(it, allowed)); t != "" {
			out = append(out, "• "+t)
		}
	}
	return out
}

// listField is an embed field listing lines, or nil when there are none.
func listField(name string, lines []string, inline bool) *discordgo.MessageEmbedField {
	if len(lines) == 0 {
		return nil
	}
	return &discordgo.MessageEmbedField{Name: name, Value: packLines(lines, MaxFieldValue), Inline: inline}
}

// cveLines are the NVD links of the valid ids among ids.
func cveLines(ids ...[]string) []string {
	var out []string
	for _, id := range validCVEs(ids...) {
		out = append(out, cveLink(id))
	}
	return out
}

// addFields appends the non-nil fields, at most MaxEmbedFields in all.
func addFields(e *discordgo.MessageEmbed, fields ...*discordgo.MessageEmbedField) {
	for _, f := range fields {
		if f != nil && len(e.Fields) < MaxEmbedFields {
			e.Fields = append(e.Fields, f)
		}
	}
}

// fitEmbed shrinks e until its text fits in limit runes: the longest of the
// description and the field values is cut first, then fields are dropped
// from the end, then the title and the footer are cut.
func fitEmbed(e *discordgo.MessageEmbed, limit int) {
	for over := EmbedLength(e) - limit; over > 0; over = EmbedLength(e) - limit {
		target, n := (*string)(nil), 1 // only texts longer than the ellipsis are worth cutting
		if l := runeLen(e.Description); l > n {
			target, n = &e.Description, l
		}
		for _, f := range e.Fields {
			if l := runeLen(f.Value); l > n {
				target, n = &f.Value, l
			}
		}
		switch {
		case target != nil:
		case len(e.Fields) > 0:
			e.Fields = e.Fields[:len(e.Fields)-1]
			continue
		case runeLen(e.Title) > 1:
			target, n = &e.Title, runeLen(e.Title)
		case e.Footer != nil && runeLen(e.Footer.Text) > 1:
			target, n = &e.Footer.Text, runeLen(e.Footer.Text)
		default:
			return // nothing left to cut; cannot happen with Discord's limits
		}
		*target = Truncate(*target, max(1, n-over))
	}
}

// webURL returns u when it is an absolute http(s) URL Discord accepts as an
// embed URL, else "".
func webURL(u string) string {
	if len(u) > 2048 || strings.ContainsFunc(u, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return ""
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.User != nil {
		return ""
	}
	return u
}

// hostOf is the host name of u, without "www.", or "".
func hostOf(u string) string {
	if webURL(u) == "" {
		return ""
	}
	p, _ := url.Parse(u)
	return strings.TrimPrefix(p.Hostname(), "www.")
}

// dateText is t as "2 Jan 2006", or "" for the zero time.
func dateText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2 Jan 2006")
}

// timestamp is t in RFC 3339 for an embed, or "" when t is zero or out of
// the range Discord accepts.
func timestamp(t time.Time) string {
	if t.IsZero() || t.Year() < 1970 || t.Year() > 9999 {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// footer joins the non-empty parts with " · " into a footer, or nil.
func footer(parts ...string) *discordgo.MessageEmbedFooter {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, p)
		}
	}
	if len(keep) == 0 {
		return nil
	}
	return &discordgo.MessageEmbedFooter{Text: Truncate(strings.Join(keep, " · "), MaxFooter)}
}
