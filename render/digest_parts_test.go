package render

import (
	"fmt"
	"strings"
	"testing"
)

// TestDigestStoryParts: each story's embed and each listed headline's line
// are in the message DigestStoryParts names; headlines the list has no
// room for are -1 and in no message.
func TestDigestStoryParts(t *testing.T) {
	d := bigDigest(25, false) // stories over several messages
	d.Headlines = headlineDigest(2000, false).Headlines
	msgs := DigestMessages(d)
	stories, headlines := DigestStoryParts(d)
	if len(stories) != len(d.Stories) || len(headlines) != len(d.Headlines) {
		t.Fatalf("%d story parts and %d headline parts, want %d and %d", len(stories), len(headlines), len(d.Stories), len(d.Headlines))
	}
	if stories[len(stories)-1] < 2 {
		t.Fatalf("the stories fit one message (%v): the test shows nothing", stories)
	}
	for i, part := range stories {
		title := StoryEmbed(d.Stories[i]).Title
		found := part > 0 && part < len(msgs) && func() bool {
			for _, e := range msgs[part].Embeds {
				if e.Title == title {
					return true
				}
			}
			return false
		}()
		if !found {
			t.Errorf("story %d (%q): part %d does not show it", i, title, part)
		}
	}
	hidden := 0
	for i, part := range headlines {
		line := fmt.Sprintf("• Headline %d ", i)
		if part < 0 {
			hidden++
			for j, m := range msgs {
				for _, e := range m.Embeds {
					if strings.Contains(e.Description, line) {
						t.Errorf("headline %d is said not shown, yet message %d lists it", i, j)
					}
				}
			}
			continue
		}
		if part >= len(msgs) || len(msgs[part].Embeds) != 1 || !strings.Contains(msgs[part].Embeds[0].Description, line) {
			t.Errorf("headline %d: part %d does not list it", i, part)
		}
	}
	if hidden == 0 || hidden == len(headlines) {
		t.Errorf("%d of %d headlines not shown: the test wants some of each", hidden, len(headlines))
	}
}
