package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/render"
)

// cmdCVE is the /cve command's name (public interface).
const cmdCVE = "cve"

// msgBadCVE answers a /cve id that is not a CVE id.
const msgBadCVE = "That isn't a CVE id: write it like CVE-2025-53770."

// Limits of /cve's "Posted here": the newest postedShown distinct stories,
// picked from the newest postedRead messages.
const (
	postedShown = 5
	postedRead  = 25
)

// recordTimeout bounds recording a summary's CVEs after it was posted.
const recordTimeout = 5 * time.Second

// hyphens are the dashes people paste CVE ids with, from advisories and
// word processors.
var hyphens = strings.NewReplacer("\u2010", "-", "\u2011", "-", "\u2012", "-", "\u2013", "-", "\u2014", "-", "\u2212", "-")

// cveDefinition is /cve id: [private].
func cveDefinition() *discordgo.ApplicationCommand {
	minID := len("CVE-1999-0001")
	return &discordgo.ApplicationCommand{
		Name:        cmdCVE,
		Description: "Look up a CVE: CVSS, CISA KEV, EPSS, advisory, and the stories posted here that name it",
		Options: []*discordgo.ApplicationCommandOption{
			{
				Type:        discordgo.ApplicationCommandOptionString,
				Name:        "id",
				Description: "The CVE id, e.g. CVE-2025-53770",
				Required:    true,
				MinLength:   &minID,
				MaxLength:   40,
			},
			{
				Type:        discordgo.ApplicationCommandOptionBoolean,
				Name:        "private",
				Description: "Only you see the answer",
			},
		},
	}
}

// cveEntry is /cve: anyone can run it, and the answer is public unless
// asked otherwise, like /summarize's: a lookup is usually run to show a
// channel where a CVE stands, it costs no LLM tokens and pings no one.
// It reads the store only (the CVE record, when missing or older than its
// TTL, is looked up in the background: Intel.Lookup asks for it), so it answers at once; a slow store defers.
func (t *Table) cveEntry() bot.Command {
	return bot.Command{
		Definition: cveDefinition(),
		MayDefer:   true,
		Private:    func(req bot.Request) bool { return req.Bool("private") },
		Handle:     t.cve,
	}
}

// normalizeCVE returns s as a CVE id (trimmed, upper case, dashes made
// hyphens) and whether it is one.
func normalizeCVE(s string) (string, bool) {
	id := strings.ToUpper(hyphens.Replace(strings.TrimSpace(s)))
	return id, cveID.MatchString(id)
}

// cve handles /cve id: [private].
func (t *Table) cve(ctx context.Context, req bot.Request) (bot.Response, error) {
	id, ok := normalizeCVE(req.String("id"))
	if !ok {
		return bot.Response{}, userErrorf("%s", msgBadCVE)
	}
	l := render.CVELookup{ID: id, Enabled: t.opts.Intel != nil}
	if l.Enabled {
		found, err := t.opts.Intel.Lookup(ctx, id)
		if err != nil {
			return bot.Response{}, fmt.Errorf("cve %s: %w", id, err)
		}
		l.Intel = found[id]
		l.Intel.ID = id
		l.Pending = l.Intel.Record == nil
		l.Notes, l.KEVLoaded, l.EPSSLoaded = t.sourceNotes(ctx, l.Pending)
	}
	if req.GuildID != "" {
		l.Posted = t.postedHere(ctx, req.GuildID, req.ChannelID, id)
	}
	return bot.Response{Embeds: render.CVEMessage(l).Embeds, Private: req.Bool("private")}, nil
}

// sourceNotes are the footer notes of the intel sources whose data is
// stale (older than two refreshes) or failing, and whether KEV and EPSS
// were ever loaded. The per-CVE sources are mentioned only while the
// record is pending, when their failure is why it is missing. When the
// status cannot be read (logged), nothing is said and both count as
// loaded.
func (t *Table) sourceNotes(ctx context.Context, pending bool) (notes []string, kevLoaded, epssLoaded bool) {
	sts, err := t.opts.Intel.Status(ctx)
	if err != nil {
		t.log.Warn("intel status; /cve shown without freshness notes", "err", err)
		return nil, true, true
	}
	now := t.opts.Now()
	kevLoaded, epssLoaded = true, true
	for _, st := range sts {
		var note bool
		switch st.Source {
		case news.IntelKEV:
			kevLoaded = !st.RefreshedAt.IsZero()
			note = st.Failing() || !kevLoaded || st.Age(now) > 2*t.opts.KEVRefresh
		case news.IntelEPSS:
			epssLoaded = !st.RefreshedAt.IsZero()
			note = st.Failing() || !epssLoaded || st.Age(now) > 2*t.opts.EPSSRefresh
		case news.IntelCVE, news.IntelNVD:
			note = pending && st.Failing()
		}
		if n := render.SourceNote(st, now); note && n != "" {
			notes = append(notes, n)
		}
	}
	return notes, kevLoaded, epssLoaded
}

// postedHere is the newest stories posted in guildID that name id, one
// entry per story (its newest message). A store error is logged and
// leaves the list out. Stories posted in other channels than channelID
// keep only their link and channel (news.PostedIn).
func (t *Table) postedHere(ctx context.Context, guildID, channelID, id string) []news.PostedCVE {
	ps, err := t.store.PostedCVEs(ctx, guildID, id, postedRead)
	if err != nil {
		t.log.Warn("posted cves; /cve shown without them", "guild_id", guildID, "cve", id, "err", err)
		return nil
	}
	var out []news.PostedCVE
	seen := map[string]bool{}
	for _, p := range news.PostedIn(ps, channelID) {
		key := "url:" + p.URL
		switch {
		case p.ChannelID != channelID:
			key = "message:" + p.ChannelID + "/" + p.MessageID
		case p.URL == "":
			key = "title:" + p.Title
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		if out = append(out, p); len(out) == postedShown {
			break
		}
	}
	return out
}

// recordPosted returns the Delivered hook of a public summary in a server
// that names CVEs: it records the summary's message under each CVE, for
// /cve. nil when there is nothing to record. A failure is logged only:
// the summary was posted.
func (t *Table) recordPosted(req bot.Request, s news.Summary) func(context.Context, string) {
	ids := validIDs(s.CVEs)
	if req.GuildID == "" || len(ids) == 0 {
		return nil
	}
	return func(ctx context.Context, messageID string) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
		defer cancel()
		now := t.opts.Now()
		ps := make([]news.PostedCVE, 0, len(ids))
		for _, id := range ids {
			ps = append(ps, news.PostedCVE{GuildID: req.GuildID, ChannelID: req.ChannelID, MessageID: messageID,
				CVE: id, Title: s.Title, URL: s.SourceURL, PostedAt: now})
		}
		if err := t.store.RecordPostedCVEs(ctx, ps); err != nil {
			t.log.Warn("record posted cves", "guild_id", req.GuildID, "channel_id", req.ChannelID,
				"message_id", messageID, "cves", len(ids), "err", err)
		}
	}
}

// validIDs are the well-formed CVE ids of ids, upper case, each once.
func validIDs(ids []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range ids {
		if id = strings.ToUpper(strings.TrimSpace(id)); cveID.MatchString(id) && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
