package bot

import (
	"fmt"
	"sync"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/render"
)

// encodedAnswers is how many answers are kept encoded: as many as the
// links commands keeps rendered.
const encodedAnswers = 256

// encodings keeps the encoded first responses of answers that consist of
// one embed, by the embed, public and private: a summary that many members
// ask for at once is the same embed each time (commands keeps it rendered),
// and is encoded once, not once per member. It holds at most twice max
// embeds, in two generations: the older one goes when the newer is full.
type encodings struct {
	mu       sync.Mutex
	max      int
	cur, old map[*discordgo.MessageEmbed]*[2][]byte
}

// newEncodings returns a cache of about max answers.
func newEncodings(max int) *encodings {
	return &encodings{max: max, cur: map[*discordgo.MessageEmbed]*[2][]byte{}}
}

// direct returns the encoded first response (type 4) answering with
// content and embeds. Embeds are never changed once returned by a handler,
// so an embed's encoding stays valid.
func (e *encodings) direct(content string, embeds []*discordgo.MessageEmbed, ephemeral bool) ([]byte, error) {
	if content != "" || len(embeds) != 1 || embeds[0] == nil {
		return encodeDirect(content, embeds, ephemeral)
	}
	key, k := embeds[0], 0
	if ephemeral {
		k = 1
	}
	e.mu.Lock()
	bodies, ok := e.cur[key]
	if !ok {
		if bodies, ok = e.old[key]; ok {
			e.keep(key, bodies)
		}
	}
	if ok && bodies[k] != nil {
		e.mu.Unlock()
		return bodies[k], nil
	}
	e.mu.Unlock()
	body, err := encodeDirect(content, embeds, ephemeral)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if bodies, ok = e.cur[key]; !ok {
		bodies = &[2][]byte{}
		e.keep(key, bodies)
	}
	bodies[k] = body
	return body, nil
}

// keep puts an entry in the newer generation, starting a new one when it
// is full. The caller holds mu.
func (e *encodings) keep(key *discordgo.MessageEmbed, bodies *[2][]byte) {
	if len(e.cur) >= e.max {
		e.old, e.cur = e.cur, make(map[*discordgo.MessageEmbed]*[2][]byte, e.max)
	}
	e.cur[key] = bodies
}

// encodeDirect encodes the first response that answers with a message at
// once (type 4), as discordgo would send it.
func encodeDirect(content string, embeds []*discordgo.MessageEmbed, ephemeral bool) ([]byte, error) {
	data := &discordgo.InteractionResponseData{Content: content, Embeds: embeds, AllowedMentions: render.NoMentions()}
	if ephemeral {
		data.Flags = discordgo.MessageFlagsEphemeral
	}
	body, err := discordgo.Marshal(&discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: data})
	if err != nil {
		return nil, fmt.Errorf("encode answer: %w", err)
	}
	return body, nil
}
