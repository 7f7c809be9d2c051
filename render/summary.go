package render

import (
	"github.com/bwmarrin/discordgo"
	"github.com/secbrief/secbrief/news"
)

// Summary renders s as one embed within every Discord limit: the title
// linked to s.SourceURL, the TL;DR as description, fields for key points,
// severity, CVEs (linked to NVD), affected products and what to do, the
// colour of the severity, source, date and model in the footer, and the
// publication time as timestamp.
//
// Every text of s is passed through Sanitize; URLs are allowed when they
// occur in articleText or equal s.SourceURL. The only masked links in the
// result are the NVD links of well-formed CVE ids, which render writes
// itself; malformed CVE entries are left out.
func Summary(s news.Summary, articleText string) *discordgo.MessageEmbed {
	allowed := URLsFrom(articleText, s.SourceURL)
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
		Color:       SeverityColor(s.Severity),
		Timestamp:   timestamp(s.Published),
		Footer: footer(
			Truncate(source, 200),
			dateText(s.Published),
			Truncate(oneLine(Sanitize(s.Model, allowed)), 100),
		),
	}
	var sev *discordgo.MessageEmbedField
	if label := severityLabel(s.Severity); label != "" {
		sev = &discordgo.MessageEmbedField{Name: "Severity", Value: label, Inline: true}
	}
	addFields(e,
		listField("Key points", bullets(s.KeyPoints, allowed), false),
		sev,
		listField("CVEs", cveLines(s.CVEs), true),
		listField("Affected", bullets(s.Affected, allowed), false),
		listField("What to do", bullets(s.Actions, allowed), false),
	)
	fitEmbed(e, MaxEmbedTotal)
	return e
}

// SummaryMessage is the message for a summary: its embed and NoMentions.
func SummaryMessage(s news.Summary, articleText string) *discordgo.MessageSend {
	return &discordgo.MessageSend{
		Embeds:          []*discordgo.MessageEmbed{Summary(s, articleText)},
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
