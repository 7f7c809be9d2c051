package news

import "time"

// PostedCVE is one message the bot posted in a server that names a CVE: a
// public summary (/summarize, the Summarize message command) or a digest
// story. /cve lists them as "Posted here".
type PostedCVE struct {
	GuildID   string
	ChannelID string
	// MessageID is the message that shows the story: the summary's, or
	// the digest part that holds the story's embed or headline.
	MessageID string
	// CVE is the id, upper case.
	CVE string
	// Title is the story's title and URL the article's link ("" for
	// pasted text).
	Title string
	URL   string
	// PostedAt is when the message was posted.
	PostedAt time.Time
}

// PostedIn is ps as told in channelID: stories posted in another channel
// keep only their message (guild, channel, message id) and date, without
// title and article link. Whoever reads channelID may not see those
// channels; Discord shows a link to such a message, or a mention of its
// channel, as inaccessible to them, where a title would tell what was
// posted there. ps is not changed.
func PostedIn(ps []PostedCVE, channelID string) []PostedCVE {
	out := make([]PostedCVE, len(ps))
	for i, p := range ps {
		if p.ChannelID != channelID {
			p.Title, p.URL = "", ""
		}
		out[i] = p
	}
	return out
}
