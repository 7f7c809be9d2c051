package render

import (
	"fmt"
	"strings"

	"github.com/secbrief/secbrief/news"
)

// DigestMarkdown renders d as markdown for the terminal (`secbrief digest
// -dry-run`): the header, then per story its headline linked (marked
// UpdateMarker, with a note of when it was first posted, for an update of
// an earlier story), severity (raised by the story's Intel, with the
// reason), CVEs (badged when the story's Intel knows one), outlet and
// date, the TL;DR or the first sentences marked
// NotSummarized, and the other outlets; then every headline ("…and 37
// more:", one title, outlet and link a line). Text is cleaned as in
// Markdown.
func DigestMarkdown(d news.Digest) string {
	var b strings.Builder
	b.WriteString("# Security digest — " + digestDate(d) + "\n\n" + digestCounts(d) + "\n")
	if more := digestMore(d); more != "" {
		b.WriteString("\n" + more + "\n")
	}
	for i, st := range d.Stories {
		writeStoryMarkdown(&b, i+1, st)
	}
	headlinesMarkdown(&b, d)
	return b.String()
}

// writeStoryMarkdown writes story number n of a digest.
func writeStoryMarkdown(b *strings.Builder, n int, st news.Story) {
	title := oneLine(clean(st.Lead.Title, true))
	if title == "" && st.Summary != nil {
		title = oneLine(clean(st.Summary.Title, true))
	}
	if title == "" {
		title = "Untitled"
	}
	if u := webURL(st.Lead.Link); u != "" {
		title = "[" + strings.NewReplacer("[", `\[`, "]", `\]`).Replace(title) + "](" + u + ")"
	}
	title = updateTitle(st, title)
	fmt.Fprintf(b, "\n## %d. %s\n\n", n, title)

	var meta, summaryCVEs []string
	var raise *news.SeverityRaise
	if st.Summary != nil {
		var sev news.Severity
		sev, raise = st.EffectiveSeverity()
		if name := severityName(sev); name != "" {
			meta = append(meta, "**Severity:** "+name)
		}
		summaryCVEs = st.Summary.CVEs
	}
	badges, more, withIntel := badgeLines(st.Intel, st.CVEs, summaryCVEs)
	if links := cveLines(st.CVEs, summaryCVEs); len(links) > 0 && !withIntel {
		meta = append(meta, "**CVEs:** "+strings.Join(links, ", "))
	}
	if src := mdOutlet(st.Lead); src != "" {
		meta = append(meta, src)
	}
	if dt := dateText(st.Lead.Published); dt != "" {
		meta = append(meta, dt)
	}
	if len(meta) > 0 {
		b.WriteString(strings.Join(meta, " · ") + "\n\n")
	}
	if note := raiseNote(raise); note != "" {
		b.WriteString("_Severity " + lowerFirst(note) + "._\n\n")
	}
	if withIntel {
		if more > 0 {
			badges = append(badges, moreLine(more))
		}
		b.WriteString("**CVEs:**\n\n- " + strings.Join(badges, "\n- ") + "\n\n")
	}
	if note := updateNote(st); note != "" {
		b.WriteString(note + "\n\n")
	}

	text := ""
	if st.Summary != nil {
		text = clean(st.Summary.TLDR, true)
	}
	if text == "" {
		text = firstSentences(clean(Truncate(st.Lead.Content, 4*digestSentencesRunes), true), digestSentencesRunes)
		if st.Summary == nil {
			text = strings.TrimSpace(text + "\n\n" + NotSummarized)
		}
	}
	if text != "" {
		b.WriteString(text + "\n")
	}
	if len(st.Others) > 0 {
		b.WriteString("\nAlso covered by:\n\n")
		for _, o := range st.Others {
			line := "- " + mdOutlet(o)
			if u := webURL(o.Link); u != "" {
				line += ": " + u
			}
			b.WriteString(line + "\n")
		}
	}
}

// mdOutlet names the outlet of it for the terminal.
func mdOutlet(it news.Item) string {
	if name := oneLine(clean(it.FeedTitle, true)); name != "" {
		return name
	}
	if h := hostOf(it.Link); h != "" {
		return h
	}
	return "unknown outlet"
}
