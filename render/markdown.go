package render

import (
	"strings"

	"github.com/secbrief/secbrief/news"
)

// Markdown renders s for the terminal: a "# title" heading (under it, the
// CoverageNote of a summary made from part of a very long page), the TL;DR,
// key points, severity, CVEs linked to NVD, affected products, what to do,
// and the source, date and model. Control characters (terminal escapes
// included) and invisible characters are removed and masked links are
// written out as "text (url)"; mentions are left alone, nothing pings in a
// terminal. intel badges the CVEs and raises the severity as in Summary.
func Markdown(s news.Summary, intel map[string]news.CVEIntel) string {
	var b strings.Builder
	title := oneLine(clean(s.Title, true))
	if title == "" {
		title = "Untitled article"
	}
	b.WriteString("# " + title + "\n")
	if note := CoverageNote(s.Coverage); note != "" {
		b.WriteString("\n_" + strings.ToUpper(note[:1]) + note[1:] + "._\n")
	}
	if tldr := clean(s.TLDR, true); tldr != "" {
		b.WriteString("\n**TL;DR:** " + tldr + "\n")
	}
	sev, raise := s.EffectiveSeverity(intel)
	if name := severityName(sev); name != "" {
		line := "\n**Severity:** " + name
		if note := raiseNote(raise); note != "" {
			line += " — " + lowerFirst(note)
		}
		b.WriteString(line + "\n")
	}
	mdList(&b, "Key points", mdItems(s.KeyPoints))
	mdList(&b, "CVEs", mdCVEs(intel, s.CVEs))
	mdList(&b, "Affected", mdItems(s.Affected))
	mdList(&b, "What to do", mdItems(s.Actions))

	var src []string
	if site := oneLine(clean(s.Site, true)); site != "" {
		src = append(src, site)
	}
	if u := webURL(s.SourceURL); u != "" {
		src = append(src, u)
	}
	if len(src) == 0 {
		src = append(src, "pasted text")
	}
	line := "Source: " + strings.Join(src, ", ")
	if d := dateText(s.Published); d != "" {
		line += " · " + d
	}
	b.WriteString("\n---\n\n" + line + "\n")
	if model := oneLine(clean(s.Model, true)); model != "" {
		by := "Summarized by " + model
		if v := oneLine(clean(s.PromptVersion, true)); v != "" {
			by += " (prompt " + v + ")"
		}
		b.WriteString("\n" + by + "\n")
	}
	return b.String()
}

// mdItems cleans items to one line each and drops the empty ones.
func mdItems(items []string) []string {
	var out []string
	for _, it := range items {
		if t := oneLine(clean(it, true)); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// mdList writes a "## name" section listing items, nothing when empty.
func mdList(b *strings.Builder, name string, items []string) {
	if len(items) == 0 {
		return
	}
	b.WriteString("\n## " + name + "\n\n")
	for _, it := range items {
		b.WriteString("- " + it + "\n")
	}
}

// mdCVEs are the lines listing ids: their badges and an "…and N more"
// line when intel knows something of one (badgeLines), else the NVD links.
func mdCVEs(intel map[string]news.CVEIntel, ids ...[]string) []string {
	lines, more, ok := badgeLines(intel, ids...)
	if !ok {
		return cveLines(ids...)
	}
	if more > 0 {
		lines = append(lines, moreLine(more))
	}
	return lines
}

// lowerFirst lower-cases the first letter of s, an ASCII one.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
