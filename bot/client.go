package bot

import (
	"encoding/json"
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
// at once is encoded once, not once per member. It asks Discord for the
// callback response (with_response) and returns the id of the message the
// response created ("" when it created none), which saves fetching the
// original response to start a thread on it.
func (c Client) InteractionRespondJSON(i *discordgo.Interaction, body []byte, options ...discordgo.RequestOption) (messageID string, err error) {
	uri := discordgo.EndpointInteractionResponse(i.ID, i.Token)
	resp, err := c.RequestRaw("POST", uri+"?with_response=true", "application/json", body, uri, 0, options...)
	if err != nil {
		return "", err
	}
	var cb struct {
		Interaction struct {
			ResponseMessageID string `json:"response_message_id"`
		} `json:"interaction"`
	}
	if len(resp) > 0 {
		if err := json.Unmarshal(resp, &cb); err != nil {
			return "", fmt.Errorf("decode interaction callback response: %w", err)
		}
	}
	return cb.Interaction.ResponseMessageID, nil
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
