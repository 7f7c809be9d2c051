package commands

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/secbrief/secbrief/feeds"
)

// FeedProblem says in a few words why a feed could not be used, for
// /feeds add and for the notice when a feed is disabled. It never
// includes addresses or other internals.
func FeedProblem(err error) string {
	var status *feeds.StatusError
	switch {
	case errors.Is(err, feeds.ErrNoFeed):
		return "there is no RSS, Atom or JSON feed there, and the page links none"
	case errors.Is(err, feeds.ErrNotFeed):
		return "what is there is not an RSS, Atom or JSON feed"
	case errors.Is(err, feeds.ErrTooLarge):
		return "the feed is too large"
	case errors.As(err, &status):
		return fmt.Sprintf("the site answered HTTP %d %s", status.Code, http.StatusText(status.Code))
	}
	msg := UserMessage(err)
	if msg == msgInternal {
		return "the feed could not be fetched"
	}
	return msg
}
