package news

// WatchedStory is what a watch alert shows in a channel: a story that
// watches matched, and why. It is the body of a news.WatchAlert, kept so
// an alert held for the hourly batch can be posted by any process.
type WatchedStory struct {
	// Story is the story; its Lead is the item that matched (its Content
	// cut to what the alert needs), Summary and Intel set when known.
	Story Story
	// Matches are the watched terms it matched, one per watch, in the
	// order the watches were made.
	Matches []WatchMatch
}

// WatchMatch is one watched term found in a story.
type WatchMatch struct {
	WatchID int64
	Term    string
	// RoleID is the role the watch pings; empty: it pings no one.
	RoleID string
	// Field is where the term was found: "title", "text", "affected",
	// "kev" or "cve".
	Field string
	// Text is that field's text around the term, and Start and End the
	// term's byte offsets in it.
	Text       string
	Start, End int
}

// Roles lists the roles the watches of ws ping, each once, in order.
func (ws WatchedStory) Roles() []string {
	var roles []string
	seen := map[string]bool{}
	for _, m := range ws.Matches {
		if m.RoleID != "" && !seen[m.RoleID] {
			seen[m.RoleID] = true
			roles = append(roles, m.RoleID)
		}
	}
	return roles
}
