package render

import (
	"fmt"

	"github.com/bwmarrin/discordgo"
	"github.com/secbrief/secbrief/news"
)

// Summary renders s as one embed within every Discord limit: the title
// linked to s.SourceURL, the TL;DR as description, fields for key points,
// severity, CVEs (linked to NVD), affected products and what to do, the
// colour of the severity, source, date and model in the footer (with the
// CoverageNote of a summary made from part of a very long page), and the
// publication time as timestamp.
//
// intel is what is known of the CVEs (by upper-case id; nil when nothing
// is): each CVE it knows gets its Badge, the MaxBadges most severe listed
// and the rest counted, and the severity is raised to critical, with the
// reason under it, when a CVE the summary names is known exploited or
// rates critical (news.Summary.EffectiveSeverity).
//
// Every text of s is passed through Sanitize; URLs are allowed when they
// occur in articleText or equal s.SourceURL. The only masked links in the
// result are the NVD links of well-formed CVE ids, which render writes
// itself; malformed CVE entries are left out.
func Summary(s news.Summary, articleText string, intel map[string]news.CVEIntel) *discordgo.MessageEmbed {
	allowed := URLsFrom(articleText, s.SourceURL)
	sev, raise := s.EffectiveSeverity(intel)
	source := oneLine(Sanitize(s.Site, allowed))
	if source == "" {
		source = hostOf(s.SourceURL)
	}
	if source == "" && s.SourceURL == "" {
		source = "Pasted text"
	}
	e := &discordgo.MessageEmbed{
		Type:        discordgo.EmbedTypeRich,
		URL:         webURL(s.SourceURL),
		Title:       Truncate(headline(s.Title, source, allowed), MaxEmbedTitle),
		Description: Truncate(Sanitize(s.TLDR, allowed), MaxEmbedDescription),
		Color:       SeverityColor(sev),
		Timestamp:   timestamp(s.Published),
		Footer: footer(
			Truncate(source, 200),
			dateText(s.Published),
			Truncate(oneLine(Sanitize(s.Model, allowed)), 100),
			CoverageNote(s.Coverage),
		),
	}
	addFields(e,
		listField("Key points", bullets(s.KeyPoints, allowed), false),
		severityField(sev, raise),
		cveField(intel, s.CVEs),
		listField("Affected", bullets(s.Affected, allowed), false),
		listField("What to do", bullets(s.Actions, allowed), false),
	)
	fitEmbed(e, MaxEmbedTotal)
	return e
}

// SummaryMessage is the message for a summary: its embed (Summary) and
// NoMentions.
func SummaryMessage(s news.Summary, articleText string, intel map[string]news.CVEIntel) *discordgo.MessageSend {
	return &discordgo.MessageSend{
		Embeds:          []*discordgo.MessageEmbed{Summary(s, articleText, intel)},
		AllowedMentions: NoMentions(),
	}
}

// headline is the sanitized one-line title, else the source, else
// "Untitled article".
func headline(title, source string, allowed func(string) bool) string {
	if t := oneLine(Sanitize(title, allowed)); t != "" {
		return t
	}
	if source != "" {
		return source
	}
	return "Untitled article"
}

// CoverageNote is the caveat of a summary made from the first part of a
// very long page, "summarized from the first 62% of a very long page", or
// "" when coverage (news.Summary.Coverage) is not a fraction below 1 (the
// whole text). The percentage is rounded down and kept within 1–99, so
// the note never claims all or nothing.
func CoverageNote(coverage float64) string {
	if !(coverage > 0 && coverage < 1) { // NaN too
		return ""
	}
	return fmt.Sprintf("summarized from the first %d%% of a very long page", min(max(int(coverage*100), 1), 99))
}
