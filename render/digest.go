package render

import (
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"
	"github.com/secbrief/secbrief/news"
)

// Digest limits that keep a story's embed short enough for several to share
// a message.
const (
	digestTLDRRunes      = 700
	digestSentencesRunes = 300
)

// NotSummarized marks a digest story shown with its headline and first
// sentences because it has no summary.
const NotSummarized = "*Not summarized: headline and first sentences only.*"

// DigestMessages renders d for Discord: a header message (date, number of
// stories, severities, and an "…and N more" line when d has headlines or
// d.More > 0), then one embed per story in the given order, packed into as
// few messages as Discord's limits allow (at most 10 embeds and 6000 embed
// runes each), then the headline list ("…and 37 more:", one linked title a
// line, at most maxHeadlineMessages messages, the rest counted as "not
// shown"). Every message carries NoMentions. A story's text is sanitized with its
// items' links, and the URLs in its items' content, as the allowed URLs.
func DigestMessages(d news.Digest) []*discordgo.MessageSend {
	msgs, _, _ := digestLayout(d)
	return msgs
}

// DigestStoryParts says which message of DigestMessages(d) shows each
// story: the index of the message holding the embed of each of d.Stories
// and the line of each of d.Headlines (-1 for a headline the list has no
// room for).
func DigestStoryParts(d news.Digest) (stories, headlines []int) {
	_, stories, headlines = digestLayout(d)
	return stories, headlines
}

// digestLayout is DigestMessages(d), and the message of each story and
// headline (DigestStoryParts).
func digestLayout(d news.Digest) (msgs []*discordgo.MessageSend, stories, headlines []int) {
	msgs = []*discordgo.MessageSend{{Content: Truncate(digestHeader(d), MaxContent), AllowedMentions: NoMentions()}}
	stories = make([]int, len(d.Stories))
	var cur *discordgo.MessageSend
	total := 0
	for i, st := range d.Stories {
		e := StoryEmbed(st)
		l := EmbedLength(e)
		if cur == nil || len(cur.Embeds) == MaxEmbeds || total+l > MaxEmbedTotal {
			cur = &discordgo.MessageSend{AllowedMentions: NoMentions()}
			msgs = append(msgs, cur)
			total = 0
		}
		cur.Embeds = append(cur.Embeds, e)
		total += l
		stories[i] = len(msgs) - 1
	}
	list, at := headlineMessages(d)
	headlines = make([]int, len(d.Headlines))
	for i, j := range at {
		headlines[i] = -1
		if j >= 0 {
			headlines[i] = len(msgs) + j
		}
	}
	return append(msgs, list...), stories, headlines
}

// DigestThreadName is the name of the discussion thread on a digest.
func DigestThreadName(d news.Digest) string {
	return ThreadName("Security digest " + digestDate(d))
}

// StoryEmbed renders one digest story: the headline linked to the lead
// item (marked UpdateMarker, with a note of when the story was first
// posted, for an update), the TL;DR (or, without a summary, the first sentences marked
// NotSummarized), severity and CVEs, the other outlets' links as "Also
// covered by", and the lead's outlet and date in the footer. The story's
// Intel badges its CVEs and raises its severity as in Summary.
func StoryEmbed(st news.Story) *discordgo.MessageEmbed {
	allowed := storyURLs(st)
	source := outlet(st.Lead, allowed)
	e := &discordgo.MessageEmbed{
		Type:      discordgo.EmbedTypeRich,
		URL:       webURL(st.Lead.Link),
		Title:     Truncate(updateTitle(st, storyHeadline(st, allowed)), MaxEmbedTitle),
		Color:     ColorInfo,
		Timestamp: timestamp(st.Lead.Published),
		Footer:    footer(Truncate(source, 200), dateText(st.Lead.Published)),
	}
	var sev *discordgo.MessageEmbedField
	var summaryCVEs []string
	if s := st.Summary; s != nil {
		effective, raise := st.EffectiveSeverity()
		e.Color = SeverityColor(effective)
		e.Description = Truncate(Sanitize(s.TLDR, allowed), digestTLDRRunes)
		sev = severityField(effective, raise)
		summaryCVEs = s.CVEs
	}
	if e.Description == "" {
		// Only the start of the content matters; cutting first keeps a long
		// article from being sanitized whole.
		lead := Truncate(st.Lead.Content, 4*digestSentencesRunes)
		e.Description = firstSentences(Sanitize(lead, allowed), digestSentencesRunes)
		if st.Summary == nil {
			e.Description = strings.TrimSpace(e.Description + "\n\n" + NotSummarized)
		}
	}
	if note := updateNote(st); note != "" {
		// Ahead of the text, so cutting a long description keeps it.
		e.Description = note + "\n\n" + e.Description
	}
	var also []string
	for _, o := range st.Others {
		line := "• " + outlet(o, allowed)
		if u := webURL(o.Link); u != "" {
			line += ": " + u
		}
		// The link is an item link, so allowed; Sanitize still breaks any
		// mention or "](" a hostile feed put into it.
		also = append(also, oneLine(Sanitize(line, allowed)))
	}
	addFields(e,
		sev,
		cveField(st.Intel, st.CVEs, summaryCVEs),
		listField("Also covered by", also, false),
	)
	fitEmbed(e, MaxEmbedTotal)
	return e
}

// digestHeader is the content of a digest's first message.
func digestHeader(d news.Digest) string {
	h := "**Security digest** · " + digestDate(d) + "\n" + digestCounts(d)
	if more := digestMore(d); more != "" {
		h += "\n" + more
	}
	return h
}

// digestCounts says how many stories d has, and how severe they are.
func digestCounts(d news.Digest) string {
	var line string
	switch len(d.Stories) {
	case 0:
		line = "No new stories."
	case 1:
		line = "1 story."
	default:
		line = fmt.Sprintf("%d stories, most severe first.", len(d.Stories))
	}
	if tally := severityTally(d.Stories); tally != "" {
		line += " " + tally
	}
	return line + updateCount(d.Stories)
}

// digestMore is the "…and N more" line, or "" when nothing was left out:
// the headlines listed below the stories, else the stories left out of a
// digest recorded before headlines existed.
func digestMore(d news.Digest) string {
	switch {
	case len(d.Headlines) > 0:
		return fmt.Sprintf("…and %d more listed below.", len(d.Headlines))
	case d.More > 0:
		return notShown(d.More)
	}
	return ""
}

// digestDate is the digest's day, "Monday 2 January 2006".
func digestDate(d news.Digest) string {
	if d.At.IsZero() {
		return "today"
	}
	return d.At.Format("Monday 2 January 2006")
}

// severityTally counts the summarized stories by severity, as raised by
// their intel: "2 critical · 1 high".
func severityTally(stories []news.Story) string {
	counts := map[news.Severity]int{}
	for _, st := range stories {
		if sev, _ := st.EffectiveSeverity(); sev.Valid() {
			counts[sev]++
		}
	}
	var parts []string
	for _, sev := range []news.Severity{news.SeverityCritical, news.SeverityHigh, news.SeverityMedium, news.SeverityLow, news.SeverityInfo} {
		if n := counts[sev]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, sev))
		}
	}
	return strings.Join(parts, " · ")
}

// storyURLs allows the story's item links and the URLs in their content.
func storyURLs(st news.Story) func(string) bool {
	links := []string{st.Lead.Link}
	texts := []string{st.Lead.Content}
	for _, o := range st.Others {
		links = append(links, o.Link)
		texts = append(texts, o.Content)
	}
	return URLsFrom(strings.Join(texts, "\n"), links...)
}

// storyHeadline is the lead's title, else the summary's, else "Untitled".
func storyHeadline(st news.Story, allowed func(string) bool) string {
	if t := oneLine(Sanitize(st.Lead.Title, allowed)); t != "" {
		return t
	}
	if st.Summary != nil {
		if t := oneLine(Sanitize(st.Summary.Title, allowed)); t != "" {
			return t
		}
	}
	return "Untitled"
}

// outlet names the outlet of it: its feed's title, else its link's host.
func outlet(it news.Item, allowed func(string) bool) string {
	if name := Truncate(oneLine(Sanitize(it.FeedTitle, allowed)), 100); name != "" {
		return name
	}
	if h := hostOf(it.Link); h != "" {
		return h
	}
	return "unknown outlet"
}

// firstSentences is the longest run of whole sentences at the start of
// text that fits in limit runes, or text cut to limit when even the first
// sentence does not fit.
func firstSentences(text string, limit int) string {
	t := oneLine(text)
	if runeLen(t) <= limit {
		return t
	}
	out := ""
	for i := 0; i < len(t); i++ {
		if c := t[i]; (c == '.' || c == '!' || c == '?') && (i+1 == len(t) || t[i+1] == ' ') {
			if runeLen(t[:i+1]) > limit {
				break
			}
			out = t[:i+1]
		}
	}
	if out == "" {
		return Truncate(t, limit)
	}
	return out
}
