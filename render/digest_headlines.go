package render

import (
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"
	"github.com/secbrief/secbrief/news"
)

// Limits of a digest's headline list ("…and 37 more:").
const (
	// maxHeadlineMessages bounds the messages the list takes: a digest of
	// hundreds of new items must not flood its channel.
	maxHeadlineMessages = 3
	// headlineRunes is the room for the lines of one headline message,
	// well under an embed description's 4096 runes, leaving room for the
	// title and the "not shown" line.
	headlineRunes = 3900
	// headlineTitleRunes caps one headline's title.
	headlineTitleRunes = 150
	// headlineURLRunes: a longer link is left out rather than cut, since
	// a cut link leads nowhere.
	headlineURLRunes = 300
)

// headlinesTitle introduces the headline list: "…and 37 more:".
func headlinesTitle(n int) string { return fmt.Sprintf("…and %d more:", n) }

// notShown ends a headline list cut to fit Discord's limits.
func notShown(n int) string { return fmt.Sprintf("…and %d more not shown.", n) }

// headlineMessages renders d.Headlines as at most maxHeadlineMessages
// messages of one embed each: the first titled "…and N more:", each line a
// story's title, outlet and link. Lines that do not fit are counted in a
// final "…and N more not shown." line. at is the index among msgs of each
// headline's line, -1 for those not shown.
func headlineMessages(d news.Digest) (msgs []*discordgo.MessageSend, at []int) {
	if len(d.Headlines) == 0 {
		return nil, nil
	}
	at = make([]int, len(d.Headlines))
	for i := range at {
		at[i] = -1
	}
	var lines []string
	n := 0 // runes in lines, newlines included
	flush := func() {
		e := &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich, Color: ColorInfo, Description: strings.Join(lines, "\n")}
		if len(msgs) == 0 {
			e.Title = headlinesTitle(len(d.Headlines))
		}
		msgs = append(msgs, &discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{e}, AllowedMentions: NoMentions()})
		lines, n = nil, 0
	}
	for i, st := range d.Headlines {
		line := headlineLine(st)
		need := runeLen(line) + 1
		if n+need > headlineRunes {
			if len(msgs) == maxHeadlineMessages-1 {
				lines = append(lines, notShown(len(d.Headlines)-i))
				break
			}
			flush()
		}
		lines = append(lines, line)
		n += need
		at[i] = len(msgs)
	}
	flush()
	return msgs, at
}

// headlineLine is one story of the headline list for Discord: "• Title —
// Outlet: https://…", sanitized with the story's item links allowed. The
// link is shown bare: a masked link could hide where it leads.
func headlineLine(st news.Story) string {
	allowed := URLsFrom("", st.Lead.Link)
	line := "• " + updateTitle(st, Truncate(storyHeadline(st, allowed), headlineTitleRunes)) + " — " + Truncate(outlet(st.Lead, allowed), 60)
	if u := webURL(st.Lead.Link); u != "" && runeLen(u) <= headlineURLRunes {
		line += ": " + u
	}
	// Sanitize again: the pieces are safe alone, but a title ending in "]"
	// before ": (" could still make a masked link together.
	return oneLine(Sanitize(line, allowed))
}

// headlinesMarkdown writes the whole headline list for the terminal.
func headlinesMarkdown(b *strings.Builder, d news.Digest) {
	if len(d.Headlines) == 0 {
		return
	}
	b.WriteString("\n## " + headlinesTitle(len(d.Headlines)) + "\n\n")
	for _, st := range d.Headlines {
		title := oneLine(clean(st.Lead.Title, true))
		if title == "" {
			title = "Untitled"
		}
		line := "- " + updateTitle(st, title) + " — " + mdOutlet(st.Lead)
		if u := webURL(st.Lead.Link); u != "" {
			line += ": " + u
		}
		b.WriteString(line + "\n")
	}
}
