package bot

import (
	"fmt"

	"github.com/bwmarrin/discordgo"
)

// Client is the discordgo session with the interaction-message calls
// rate-limited per interaction. discordgo v0.29 puts every GET, PATCH and
// DELETE of any interaction's webhook messages in one shared bucket, so a
// server's concurrent summaries would be edited in one at a time (and one
// 429 would stall them all); Discord limits them per interaction token.
type Client struct {
	*discordgo.Session
}

// InteractionRespondJSON sends an interaction's initial response already
// encoded as JSON (an InteractionResponse): a summary many members ask for
// at once is encoded once, not once per member.
func (c Client) InteractionRespondJSON(i *discordgo.Interaction, body []byte, options ...discordgo.RequestOption) error {
	uri := discordgo.EndpointInteractionResponse(i.ID, i.Token)
	_, err := c.RequestRaw("POST", uri, "application/json", body, uri, 0, options...)
	return err
}

// InteractionResponse gets the original response of an interaction.
func (c Client) InteractionResponse(i *discordgo.Interaction, options ...discordgo.RequestOption) (*discordgo.Message, error) {
	uri := discordgo.EndpointWebhookMessage(i.AppID, i.Token, "@original")
	body, err := c.RequestWithBucketID("GET", uri, nil, uri, options...)
	if err != nil {
		return nil, err
	}
	var m discordgo.Message
	if err := discordgo.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("decode original response: %w", err)
	}
	return &m, nil
}

// InteractionResponseEdit edits the original response of an interaction.
func (c Client) InteractionResponseEdit(i *discordgo.Interaction, e *discordgo.WebhookEdit, options ...discordgo.RequestOption) (*discordgo.Message, error) {
	if len(e.Files) > 0 {
		return c.Session.InteractionResponseEdit(i, e, options...)
	}
	uri := discordgo.EndpointWebhookMessage(i.AppID, i.Token, "@original")
	body, err := c.RequestWithBucketID("PATCH", uri, e, uri, options...)
	if err != nil {
		return nil, err
	}
	var m discordgo.Message
	if err := discordgo.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("decode edited response: %w", err)
	}
	return &m, nil
}
