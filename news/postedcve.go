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
