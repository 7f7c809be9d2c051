package bot

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"
)

// NewSession returns the discordgo session the bot sends REST requests
// with: the token, the REST origin, and discordgo's own logging limited to
// errors. It never opens discordgo's gateway: Bot connects with package
// gateway.
func NewSession(opts Options) (*discordgo.Session, error) {
	if opts.Token == "" {
		return nil, errors.New("discord.token is empty: set DISCORD_TOKEN or discord.token")
	}
	s, err := discordgo.New("Bot " + opts.Token)
	if err != nil {
		return nil, fmt.Errorf("discord session: %w", err)
	}
	client := &http.Client{Timeout: 20 * time.Second, Transport: restTransport()}
	if opts.APIBaseURL != "" {
		rt, err := newRewriteTransport(opts.APIBaseURL, client.Transport)
		if err != nil {
			return nil, err
		}
		client.Transport = rt
	}
	s.Client = client
	s.LogLevel = discordgo.LogError
	// The session only sends REST requests: events come from package
	// gateway, and discordgo's state cache stays off (handlers read what
	// they need from the events; a server of thousands of members would
	// make it large).
	s.StateEnabled = false
	return s, nil
}

// Intents are the gateway intents the bot asks for: guilds (thread and
// channel events), guild messages (messages that mention the bot in its
// threads), and Message Content only when the operator enabled it.
func Intents(messageContent bool) discordgo.Intent {
	i := discordgo.IntentsGuilds | discordgo.IntentsGuildMessages
	if messageContent {
		i |= discordgo.IntentsMessageContent
	}
	return i
}
