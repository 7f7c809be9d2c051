package render

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/news"
)

// Watch alerts. An alert is one message: its content names the matched
// terms and mentions the roles the matching watches name (and nothing
// else that can ping); its embed is the story as a digest shows it
// (StoryEmbed) with why it matched, the term in bold in its context, ahead
// of the text. Alerts past a channel's hourly cap come as one batch
// message listing the stories. Every message's allowed_mentions is
// parse [] with exactly the roles its content mentions.

// snippetRunes is how much text a match shows on each side of the term.
const snippetRunes = 80

// maxWatchRoles bounds the roles one message mentions (Discord allows 100
// ids in allowed_mentions.roles).
const maxWatchRoles = 20

// WatchAlertMessage is the message announcing ws: the matched terms and
// the roles of its watches in the content, the story's embed with why it
// matched, and allowed_mentions parse [] with those roles alone.
func WatchAlertMessage(ws news.WatchedStory) *discordgo.MessageSend {
	e := StoryEmbed(ws.Story)
	var why []string
	for _, m := range ws.Matches {
		why = append(why, "• "+matchLine(m))
	}
	if len(why) > 0 {
		// Ahead of the text, so cutting a long description keeps it.
		e.Description = strings.TrimSpace(packLines(why, MaxEmbedDescription/2) + "\n\n" + e.Description)
		e.Description = Truncate(e.Description, MaxEmbedDescription)
	}
	fitEmbed(e, MaxEmbedTotal)
	roles := WatchRoles(ws)
	content := "🔔 **Watchlist** · " + termList(ws.Matches)
	return &discordgo.MessageSend{
		Content:         watchContent(content, roles),
		Embeds:          []*discordgo.MessageEmbed{e},
		AllowedMentions: roleMentions(roles),
	}
}

// WatchBatchMessage is the one message of a channel's alerts held past its
// hourly cap: the terms matched, a line per story (its linked headline,
// outlet and the terms it matched), the roles of all their watches mentioned once each, and
// allowed_mentions parse [] with those roles alone.
func WatchBatchMessage(stories []news.WatchedStory) *discordgo.MessageSend {
	var lines []string
	var roles []string
	var all []news.WatchMatch
	seen := map[string]bool{}
	for _, ws := range stories {
		lines = append(lines, "• "+batchLine(ws))
		all = append(all, ws.Matches...)
		for _, r := range WatchRoles(ws) {
			if !seen[r] {
				seen[r] = true
				roles = append(roles, r)
			}
		}
	}
	roles = roles[:min(len(roles), maxWatchRoles)]
	n := len(stories)
	noun := "stories"
	if n == 1 {
		noun = "story"
	}
	e := &discordgo.MessageEmbed{
		Type:        discordgo.EmbedTypeRich,
		Title:       fmt.Sprintf("%d more watched %s this hour", n, noun),
		Description: packLines(lines, MaxEmbedDescription),
		Color:       ColorInfo,
	}
	fitEmbed(e, MaxEmbedTotal)
	content := fmt.Sprintf("🔔 **Watchlist** · %d more %s matched %s (alerts past the hourly cap come together).", n, noun, termList(all))
	return &discordgo.MessageSend{
		Content:         watchContent(content, roles),
		Embeds:          []*discordgo.MessageEmbed{e},
		AllowedMentions: roleMentions(roles),
	}
}

// WatchRoles lists the roles ws's watches ping that can be mentioned (ids
// of digits only), each once, at most maxWatchRoles.
func WatchRoles(ws news.WatchedStory) []string {
	var out []string
	for _, r := range ws.Roles() {
		if snowflake(r) && len(out) < maxWatchRoles {
			out = append(out, r)
		}
	}
	return out
}

// roleMentions is NoMentions allowing roles alone; with no roles it is
// NoMentions.
func roleMentions(roles []string) *discordgo.MessageAllowedMentions {
	am := NoMentions()
	if len(roles) > 0 {
		am.Roles = roles
	}
	return am
}

// watchContent is text (our own, sanitized against any mention) followed
// by the mentions of roles, within MaxContent.
func watchContent(text string, roles []string) string {
	var mentions []string
	for _, r := range roles {
		mentions = append(mentions, "<@&"+r+">")
	}
	tail := strings.Join(mentions, " ")
	room := MaxContent
	if tail != "" {
		room -= runeLen(tail) + 1
	}
	text = Truncate(Sanitize(text, nil), room)
	return strings.TrimSpace(text + " " + tail)
}

// termList is the distinct matched terms in bold, comma-separated.
func termList(ms []news.WatchMatch) string {
	var terms []string
	seen := map[string]bool{}
	for _, m := range ms {
		k := news.WatchTermKey(m.Term)
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		terms = append(terms, bold(m.Term))
	}
	return Truncate(strings.Join(terms, ", "), MaxContent/2)
}

// matchLine says where m's term was found, with the term in bold in its
// context: `**Ivanti** in the title: "…flaw in **Ivanti** Connect…"`.
func matchLine(m news.WatchMatch) string {
	where := map[string]string{
		"title":    "in the title",
		"text":     "in the text",
		"affected": "among the affected products",
		"kev":      "in CISA's KEV entry of a CVE it names",
		"cve":      "among the CVEs it names",
	}[m.Field]
	if where == "" {
		where = "in the story"
	}
	line := bold(m.Term) + " " + where
	if s := snippet(m.Text, m.Start, m.End); s != "" {
		line += ": “" + s + "”"
	}
	return line
}

// batchLine is one story of a batch, as a digest lists a headline: its
// headline, outlet and link shown in full (never a masked link), then the
// terms it matched.
func batchLine(ws news.WatchedStory) string {
	st := ws.Story
	allowed := URLsFrom("", st.Lead.Link)
	line := escapeMarkdown(Truncate(storyHeadline(st, allowed), headlineTitleRunes)) + " — " +
		escapeMarkdown(Truncate(outlet(st.Lead, allowed), 60))
	if u := webURL(st.Lead.Link); u != "" && runeLen(u) <= headlineURLRunes {
		line += ": " + oneLine(Sanitize(u, allowed))
	}
	return line + " · " + termList(ws.Matches)
}

// snippet is text around [start, end) with the span in bold and the rest
// escaped: at most snippetRunes on each side, cut at a space, on one line.
// It is "" when the offsets do not fit text.
func snippet(text string, start, end int) string {
	if start < 0 || end <= start || end > len(text) || !utf8.ValidString(text) ||
		!utf8.RuneStart(text[start]) || (end < len(text) && !utf8.RuneStart(text[end])) {
		return ""
	}
	before, term, after := text[:start], text[start:end], text[end:]
	if r := []rune(before); len(r) > snippetRunes {
		before = string(r[len(r)-snippetRunes:])
		if i := strings.IndexFunc(before, unicode.IsSpace); i >= 0 {
			before = before[i:]
		}
		before = "…" + before
	}
	if r := []rune(after); len(r) > snippetRunes {
		after = string(r[:snippetRunes])
		if i := strings.LastIndexFunc(after, unicode.IsSpace); i > 0 {
			after = after[:i]
		}
		after += "…"
	}
	return strings.TrimSpace(snippetPart(before) + bold(term) + snippetPart(after))
}

// snippetPart is a part of a snippet on one line, sanitized (no URL, no
// mention) and escaped, keeping one space at either end where it had any.
func snippetPart(s string) string {
	if s == "" {
		return ""
	}
	lead := unicode.IsSpace(firstRune(s))
	r, _ := utf8.DecodeLastRuneInString(s)
	trail := unicode.IsSpace(r)
	out := escapeMarkdown(oneLine(Sanitize(s, nil)))
	if lead && out != "" {
		out = " " + out
	}
	if trail && out != "" {
		out += " "
	}
	if out == "" && (lead || trail) {
		return " "
	}
	return out
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// bold is s on one line, sanitized and escaped, in bold.
func bold(s string) string {
	t := escapeMarkdown(oneLine(Sanitize(s, nil)))
	if t == "" {
		return ""
	}
	return "**" + t + "**"
}

// markdownChars are the characters Discord markdown gives a meaning.
const markdownChars = "\\*_~`|>[]()#<"

// escapeMarkdown puts a backslash before every markdown character of s,
// so text from a feed shows as written and cannot close the bold around a
// term, open a masked link or start a heading.
func escapeMarkdown(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		if strings.ContainsRune(markdownChars, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// snowflake reports whether id is a Discord id: 1 to 20 digits.
func snowflake(id string) bool {
	if id == "" || len(id) > 20 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}
