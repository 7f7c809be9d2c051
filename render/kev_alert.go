package render

import (
	"fmt"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/news"
)

// Room, in runes, of the parts of a KEV alert taken from the catalog or a
// story: with the fixed words around them an alert stays well under
// MaxContent, so several fit in one message.
const (
	kevNameRoom    = 200
	kevProductRoom = 100
	kevTitleRoom   = 150
	kevURLRoom     = 400
	kevStories     = 2
)

// KEVAlertMessage is one message of KEV alerts and the CVEs it tells.
type KEVAlertMessage struct {
	Message *discordgo.MessageSend
	CVEs    []string
}

// KEVAlertMessages renders alerts as plain-text messages, several alerts
// per message as long as they fit in MaxContent runes, in order:
//
//	🚨 CISA added CVE-2025-53770 to the Known Exploited Vulnerabilities catalog: Microsoft SharePoint Deserialization of Untrusted Data Vulnerability (Microsoft SharePoint), due 2025-07-21, ransomware
//	CVE-2025-53770 · CVSS 9.8 critical · KEV since 2025-07-20 (due 2025-07-21, ransomware) · EPSS 94% (top 0.2%)
//	Now known exploited: CVE-2025-53770, from the story you got on <t:…:D>: Title <https://…>
//	And a story posted in another channel on <t:…:D>: https://discord.com/channels/…
//
// Text from the catalog and story titles is sanitized (no mentions, no
// links) and cut; story links are shown in <…> so Discord adds no preview.
// A story without title and article (posted in another channel, see
// news.PostedIn) is told by its date and message link only, as /cve does.
// Every message allows no mentions.
func KEVAlertMessages(alerts []news.KEVAlert) []KEVAlertMessage {
	var out []KEVAlertMessage
	var b strings.Builder
	var cves []string
	flush := func() {
		if len(cves) == 0 {
			return
		}
		out = append(out, KEVAlertMessage{
			Message: &discordgo.MessageSend{Content: b.String(), AllowedMentions: NoMentions()},
			CVEs:    cves,
		})
		b.Reset()
		cves = nil
	}
	for _, a := range alerts {
		text := Truncate(kevAlertText(a), MaxContent)
		if b.Len() > 0 && runeLen(b.String())+2+runeLen(text) > MaxContent {
			flush()
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(text)
		cves = append(cves, a.Entry.CVEID)
	}
	flush()
	return out
}

// kevAlertText is one alert's lines.
func kevAlertText(a news.KEVAlert) string {
	e := a.Entry
	id := e.CVEID
	var b strings.Builder
	fmt.Fprintf(&b, "🚨 CISA added %s to the Known Exploited Vulnerabilities catalog", id)
	if name := sourceLine(e.VulnerabilityName, kevNameRoom); name != "" {
		b.WriteString(": " + name)
	}
	if product := sourceLine(strings.TrimSpace(e.VendorProject+" "+e.Product), kevProductRoom); product != "" {
		b.WriteString(" (" + product + ")")
	}
	if !e.DueDate.IsZero() {
		b.WriteString(", due " + e.DueDate.UTC().Format(time.DateOnly))
	}
	if e.Ransomware {
		b.WriteString(", ransomware")
	}
	in := a.Intel
	if in.KEV == nil { // no lookup (it failed): the badge shows the alert's entry
		in.KEV = &e
	}
	b.WriteString("\n" + Badge(id, in))
	seen := map[string]bool{}
	n := 0
	for _, s := range a.Stories {
		other := s.Title == "" && s.URL == ""
		key := "url:" + s.URL
		switch {
		case other:
			key = "message:" + s.ChannelID + "/" + s.MessageID
		case s.URL == "":
			key = "title:" + s.Title
		}
		if seen[key] || n == kevStories {
			continue
		}
		seen[key] = true
		story := "the story you got"
		if other {
			story = "a story posted in another channel"
		}
		if n == 0 {
			fmt.Fprintf(&b, "\nNow known exploited: %s, from %s on %s", id, story, storyDate(s.PostedAt))
		} else {
			fmt.Fprintf(&b, "\nAnd %s on %s", story, storyDate(s.PostedAt))
		}
		if other {
			if s.GuildID != "" && s.ChannelID != "" && s.MessageID != "" {
				b.WriteString(": " + MessageURL(s.GuildID, s.ChannelID, s.MessageID))
			}
			n++
			continue
		}
		if title := sourceLine(s.Title, kevTitleRoom); title != "" {
			b.WriteString(": " + title)
		}
		if storyLink(s.URL) {
			b.WriteString(" <" + s.URL + ">")
		}
		n++
	}
	return b.String()
}

// storyDate is a Discord timestamp of t's date, shown in each reader's
// time zone; "an unknown date" when t is zero.
func storyDate(t time.Time) string {
	if t.IsZero() {
		return "an unknown date"
	}
	return fmt.Sprintf("<t:%d:D>", t.Unix())
}

// storyLink reports whether u can be shown as a story's link: a web URL
// without spaces or angle brackets, of reasonable length.
func storyLink(u string) bool {
	return isWebURL(u) && runeLen(u) <= kevURLRoom && !strings.ContainsAny(u, " \t\n<>") &&
		stripInvisible(u) == u && neutralizeMentions(u) == u
}
