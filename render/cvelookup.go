package render

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/news"
)

// Limits of /cve's embed parts, in runes.
const (
	cveTitleRunes       = 120 // the record's title, after the id
	cveLineRunes        = 300 // one line of a field (KEV's required action, say)
	cveVectorRunes      = 160
	postedTitleRunes    = 80
	postedURLRunes      = 180 // a longer article link is left out rather than cut
	cveDescriptionRunes = 3000
)

// CVELookup is what /cve knows of one CVE.
type CVELookup struct {
	// ID is the CVE id, upper case and well-formed.
	ID string
	// Enabled is false when vulnerability data is turned off: only the
	// NVD link and the posted stories are shown.
	Enabled bool
	// Intel is what the store has on the CVE.
	Intel news.CVEIntel
	// Pending means the CVE record was not looked up yet and has been
	// asked for.
	Pending bool
	// KEVLoaded and EPSSLoaded say whether the bulk sources were ever
	// loaded: a CVE absent from a catalog never loaded is not "not in
	// KEV".
	KEVLoaded, EPSSLoaded bool
	// Notes are the freshness notes of sources that are failing or
	// stale (SourceNote), shown in the footer.
	Notes []string
	// Posted are the messages of this server that named the CVE, newest
	// first.
	Posted []news.PostedCVE
}

// CVEMessage is /cve's answer: one embed (CVEEmbed), pinging no one.
func CVEMessage(l CVELookup) *discordgo.MessageSend {
	return &discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{CVEEmbed(l)}, AllowedMentions: NoMentions()}
}

// CVEEmbed renders what is known of one CVE: the id and record title
// (linked to NVD), the badge line and the record's description, then
// fields for CVSS, CISA KEV, EPSS, the advisory links and the stories
// posted in this server that name it; the footer says where the record
// came from and how fresh failing or stale sources are. Text from the
// sources is sanitized (no mentions, no links but the advisory's) and the
// embed holds Discord's limits.
func CVEEmbed(l CVELookup) *discordgo.MessageEmbed {
	id := l.ID
	e := &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich, URL: NVDURL(id), Color: cveColor(l.Intel)}
	rec := l.Intel.Record
	title := id
	if rec != nil && rec.Found {
		if t := sourceLine(rec.Title, cveTitleRunes); t != "" {
			title += " — " + t
		}
	}
	e.Title = Truncate(title, MaxEmbedTitle)
	if !l.Enabled {
		e.Description = "Vulnerability data (CVSS, CISA KEV, EPSS) is turned off on this bot."
		addFields(e, linksField(id, nil), postedField(l.Posted))
		fitEmbed(e, MaxEmbedTotal)
		return e
	}
	e.Description = cveDescription(l)
	addFields(e, cvssField(l), kevField(l), epssField(l), linksField(id, rec), postedField(l.Posted))
	var foot []string
	switch {
	case rec == nil || rec.FetchedAt.IsZero():
	case rec.Found:
		foot = append(foot, fmt.Sprintf("Record from %s, fetched %s", recordSource(rec.Source), rec.FetchedAt.UTC().Format(time.DateOnly)))
	default:
		foot = append(foot, "Looked up "+rec.FetchedAt.UTC().Format(time.DateOnly))
	}
	foot = append(foot, l.Notes...)
	if fromNVD(l.Intel) {
		foot = append(foot, news.NVDAttribution)
	}
	e.Footer = footer(foot...)
	fitEmbed(e, MaxEmbedTotal)
	return e
}

// cveColor is red for a known exploited CVE, else the colour of its CVSS
// rating, grey when unscored.
func cveColor(in news.CVEIntel) int {
	if in.Exploited() {
		return ColorCritical
	}
	if score, ok := in.BaseScore(); ok {
		return SeverityColor(news.Severity(news.CVSSSeverityOf(in.CVSS.Severity, score)))
	}
	return ColorInfo
}

// sourceLine is text from a source on one line, sanitized (mentions
// broken, links dropped) and cut to max runes.
func sourceLine(s string, max int) string {
	return Truncate(oneLine(Sanitize(clip(s, 4*max+64), nil)), max)
}

// clip is the first n runes of s: text from a source is cut to a few
// times the room it gets before it is sanitized, so a huge one costs no
// more than a short one. (What the cut leaves of a mention or a link is
// still broken or dropped by Sanitize.)
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// cveDescription is the badge line, then the record's description or
// what is known of the record.
func cveDescription(l CVELookup) string {
	badge := Badge(l.ID, l.Intel)
	rec := l.Intel.Record
	var text string
	switch {
	case rec == nil && l.Pending:
		text = "The CVE record is being looked up — try again in a minute."
	case rec == nil:
		text = "The CVE record has not been looked up."
	case !rec.Found:
		text = "No CVE record was found (CVE Services, NVD): the id may be reserved, rejected or not published yet."
	default:
		text = Truncate(Sanitize(clip(rec.Description, 2*cveDescriptionRunes), nil), cveDescriptionRunes)
		if text == "" {
			text = "The CVE record has no description."
		}
	}
	return Truncate(badge+"\n\n"+text, MaxEmbedDescription)
}

// cvssField is the CVSS score, rating, version, vector and source, or
// why there is none.
func cvssField(l CVELookup) *discordgo.MessageEmbedField {
	in := l.Intel
	var lines []string
	score, ok := in.BaseScore()
	switch {
	case ok:
		c := in.CVSS
		head := fmt.Sprintf("**%.1f %s**", score, news.CVSSSeverityOf(c.Severity, score))
		var about []string
		if c.Version != "" {
			about = append(about, "CVSS "+sourceLine(c.Version, 8))
		}
		if c.Source != "" {
			about = append(about, "from "+recordSource(c.Source))
		}
		if len(about) > 0 {
			head += " (" + strings.Join(about, ", ") + ")"
		}
		lines = append(lines, head)
		if v := strings.ReplaceAll(sourceLine(c.Vector, cveVectorRunes), "`", ""); v != "" {
			lines = append(lines, "`"+v+"`")
		}
	case in.Record == nil && l.Pending:
		lines = append(lines, "Not looked up yet — try again in a minute.")
	case in.Record == nil:
		lines = append(lines, "Not looked up.")
	case !in.Record.Found:
		lines = append(lines, "None: no CVE record was found.")
	default:
		lines = append(lines, "None in the CVE record or at NVD.")
	}
	return listField("CVSS", lines, true)
}

// kevField is the CVE's CISA KEV entry, or that it has none.
func kevField(l CVELookup) *discordgo.MessageEmbedField {
	k := l.Intel.KEV
	if k == nil {
		if !l.KEVLoaded {
			return listField("CISA KEV", []string{"The catalog has not been loaded yet."}, true)
		}
		return listField("CISA KEV", []string{"Not in CISA's catalog of known exploited vulnerabilities."}, true)
	}
	head := "**Known exploited**"
	if !k.DateAdded.IsZero() {
		head += ", in the catalog since " + k.DateAdded.UTC().Format(time.DateOnly)
	}
	lines := []string{head}
	if !k.DueDate.IsZero() {
		lines = append(lines, "Due "+k.DueDate.UTC().Format(time.DateOnly)+" (US federal agencies)")
	}
	if k.Ransomware {
		lines = append(lines, "**Known use in ransomware campaigns**")
	}
	product := strings.TrimSpace(sourceLine(k.VendorProject, 60) + " " + sourceLine(k.Product, 60))
	if name := sourceLine(k.VulnerabilityName, cveLineRunes); name != "" {
		if product != "" {
			name = product + ": " + name
		}
		lines = append(lines, name)
	} else if product != "" {
		lines = append(lines, product)
	}
	if act := sourceLine(k.RequiredAction, cveLineRunes); act != "" {
		lines = append(lines, "Required action: "+act)
	}
	return listField("CISA KEV", lines, false)
}

// epssField is the CVE's EPSS probability and percentile, or that it has
// none.
func epssField(l CVELookup) *discordgo.MessageEmbedField {
	s := l.Intel.EPSS
	p, ok := l.Intel.Probability()
	if !ok {
		if !l.EPSSLoaded {
			return listField("EPSS", []string{"The scores have not been loaded yet."}, true)
		}
		return listField("EPSS", []string{"No score."}, true)
	}
	lines := []string{fmt.Sprintf("**%s** chance of exploitation activity in the next 30 days", percent(p))}
	if pc := s.Percentile; pc > 0 && pc <= 1 {
		lines = append(lines, fmt.Sprintf("Percentile %s (top %s)", percentile(pc), percent(max(1-pc, 0.0001))))
	}
	if !s.ScoreDate.IsZero() {
		line := "Scores of " + s.ScoreDate.UTC().Format(time.DateOnly)
		if v := sourceLine(s.ModelVersion, 40); v != "" {
			line += " (model " + v + ")"
		}
		lines = append(lines, line)
	}
	return listField("EPSS", lines, true)
}

// percentile writes a percentile (0 to 1) out of 100 with one decimal at
// most: "99.8", "42".
func percentile(pc float64) string {
	s := strconv.FormatFloat(math.Floor(pc*1000+1e-6)/10, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0")
}

// linksField is the vendor advisory of the record, if any, and the CVE's
// NVD page.
func linksField(id string, rec *news.CVERecord) *discordgo.MessageEmbedField {
	var lines []string
	if rec != nil && rec.Found {
		if u := webURL(rec.AdvisoryURL); u != "" && runeLen(u) <= cveLineRunes-len("Vendor advisory: ") && !strings.ContainsAny(u, "()[]<>") {
			lines = append(lines, "Vendor advisory: "+u)
		}
	}
	lines = append(lines, "NVD: "+NVDURL(id))
	return listField("Links", lines, false)
}

// postedField lists the stories the bot posted in this server that name
// the CVE: title, date, the message's link and the article's. An entry
// without title and article (posted in another channel, see commands)
// names its channel instead, as a channel mention: it pings no one, and
// Discord shows it only to members who can see the channel.
func postedField(posted []news.PostedCVE) *discordgo.MessageEmbedField {
	var lines []string
	for _, p := range posted {
		title := sourceLine(p.Title, postedTitleRunes)
		switch {
		case title == "" && p.URL == "":
			title = "A story in another channel"
		case title == "":
			title = "Untitled"
		}
		line := "• " + title
		if !p.PostedAt.IsZero() {
			line += " (" + p.PostedAt.UTC().Format(time.DateOnly) + ")"
		}
		line += ": " + MessageURL(p.GuildID, p.ChannelID, p.MessageID)
		if u := webURL(p.URL); u != "" && runeLen(u) <= postedURLRunes && !strings.ContainsAny(u, "()[]<>") {
			line += " · article: " + u
		}
		lines = append(lines, line)
	}
	return listField("Posted here", lines, false)
}

// MessageURL is the link to a message in a server channel.
func MessageURL(guildID, channelID, messageID string) string {
	return "https://discord.com/channels/" + guildID + "/" + channelID + "/" + messageID
}

// recordSource names where a record or score came from.
func recordSource(source string) string {
	switch source {
	case news.SourceCNA:
		return "the CNA"
	case news.SourceCISAADP:
		return "CISA ADP"
	case news.SourceNVD:
		return "NVD"
	case "":
		return "an unknown source"
	}
	return sourceLine(source, 20)
}

// fromNVD reports whether the CVE's score or record came from NVD.
func fromNVD(in news.CVEIntel) bool {
	return (in.CVSS != nil && in.CVSS.Source == news.SourceNVD) || (in.Record != nil && in.Record.Source == news.SourceNVD)
}

// sourceNames are the sources' names in SourceNote.
var sourceNames = map[string]string{
	news.IntelKEV:  "KEV",
	news.IntelEPSS: "EPSS",
	news.IntelCVE:  "CVE record",
	news.IntelNVD:  "NVD",
}

// SourceNote says how fresh a source's data is, for a footer: "KEV data
// from 2026-12-04 (3 h old)", with "; refresh failing" when its last
// refresh failed, or "KEV data not loaded yet" when it never was. The per
// CVE sources (CVE records, NVD) only say that their lookups fail.
func SourceNote(st news.SourceStatus, now time.Time) string {
	name := sourceNames[st.Source]
	if name == "" {
		name = sourceLine(st.Source, 20)
	}
	if st.Source == news.IntelCVE || st.Source == news.IntelNVD {
		if !st.Failing() {
			return ""
		}
		return name + " lookups failing (last failure " + ago(now.Sub(st.ErrorAt)) + " ago)"
	}
	if st.RefreshedAt.IsZero() {
		if st.Failing() {
			return name + " data not loaded yet; download failing"
		}
		return name + " data not loaded yet"
	}
	from := st.DataDate
	if from.IsZero() {
		from = st.RefreshedAt
	}
	note := fmt.Sprintf("%s data from %s (%s old", name, from.UTC().Format(time.DateOnly), ago(st.Age(now)))
	if st.Failing() {
		note += "; refresh failing"
	}
	return note + ")"
}

// ago writes a duration as people say it: "45 min", "3 h", "2 days".
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "under a minute"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d/time.Hour))
	}
	return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
}
