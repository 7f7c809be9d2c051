package render

import (
	"fmt"

	"github.com/secbrief/secbrief/news"
)

// UpdateMarker starts the headline of a story the channel was posted
// before (news.Story.Update): new coverage of it, shown with the new links
// only.
const UpdateMarker = "Update: "

// updateTitle is title marked as an update when st is one.
func updateTitle(st news.Story, title string) string {
	if !st.Update {
		return title
	}
	return UpdateMarker + title
}

// updateNote says which earlier story st updates, in italics, or "" when
// st is new.
func updateNote(st news.Story) string {
	if !st.Update {
		return ""
	}
	if st.FirstPosted.IsZero() {
		return "*Update to a story posted earlier: new coverage only.*"
	}
	return "*Update to a story first posted " + dateText(st.FirstPosted) + ": new coverage only.*"
}

// updateCount is " · 1 update" for a digest with updates among its
// stories, else "".
func updateCount(stories []news.Story) string {
	n := 0
	for _, st := range stories {
		if st.Update {
			n++
		}
	}
	switch n {
	case 0:
		return ""
	case 1:
		return " · 1 update"
	}
	return fmt.Sprintf(" · %d updates", n)
}
