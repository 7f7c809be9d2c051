package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/internal/clock"
)

// Client is the discordgo session with the calls on an interaction's own
// routes (its callback and its webhook messages) sent by Client itself.
// Discord limits those per interaction token, outside the bot's global
// limit; discordgo would serialize the edits of every interaction in one
// shared bucket (one 429 stalling them all), or give each interaction its
// own bucket, which it never frees: a busy bot would grow by a few hundred
// bytes per interaction for as long as it runs.
type Client struct {
	*discordgo.Session
	// Sleep waits out a 429 on an interaction route, returning early with
	// ctx's error; nil means a timer on the wall clock. Tests pass a fake
	// clock's, so a rate limit costs them no time.
	Sleep func(ctx context.Context, d time.Duration) error
}

// sleep waits d on the Client's clock.
func (c Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	return clock.Wall{}.Sleep(ctx, d)
}

// maxInteraction429 is how many times a request on an interaction route is
// retried after a 429.
const maxInteraction429 = 5

// interactionRequest sends a request on an interaction's route, retrying
// after a 429 as Discord asks, and a 502 up to the session's
// MaxRestRetries times. Errors are *discordgo.RESTError, as
// discordgo's own, so callers branch on them alike; no error holds the URL
// (it holds the interaction's token).
func (c Client) interactionRequest(method, uri string, body []byte, options ...discordgo.RequestOption) ([]byte, error) {
	badGateways, rateLimited := 0, 0
	for {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequest(method, uri, rd)
		if err != nil {
			return nil, fmt.Errorf("%s interaction route: %w", method, err)
		}
		req.Header.Set("Authorization", c.Token)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("User-Agent", c.UserAgent)
		cfg := &discordgo.RequestConfig{Request: req, ShouldRetryOnRateLimit: c.ShouldRetryOnRateLimit, MaxRestRetries: c.MaxRestRetries, Client: c.Client}
		for _, opt := range options {
			opt(cfg)
		}
		resp, err := cfg.Client.Do(cfg.Request)
		if err != nil {
			return nil, fmt.Errorf("%s interaction route: %w", method, redactURLError(err))
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("%s interaction route: read response: %w", method, err)
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return data, nil
		}
		if resp.StatusCode == http.StatusBadGateway && badGateways < cfg.MaxRestRetries {
			badGateways++ // Discord's edge, briefly without its API: retried at once, as discordgo does
			continue
		}
		if resp.StatusCode == http.StatusTooManyRequests && cfg.ShouldRetryOnRateLimit && rateLimited < maxInteraction429 {
			rateLimited++
			var rl discordgo.TooManyRequests
			_ = discordgo.Unmarshal(data, &rl)
			if err := c.sleep(cfg.Request.Context(), min(max(rl.RetryAfter, 0), time.Minute)); err != nil {
				return nil, fmt.Errorf("%s interaction route: rate limited: %w", method, err)
			}
			continue
		}
		rerr := &discordgo.RESTError{Request: cfg.Request, Response: resp, ResponseBody: data}
		var msg discordgo.APIErrorMessage
		if discordgo.Unmarshal(data, &msg) == nil {
			rerr.Message = &msg
		}
		return nil, rerr
	}
}

// redactURLError drops the URL from a transport error: an interaction
// route's URL holds the interaction's token.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// InteractionRespond sends an interaction's initial response (files go
// through discordgo's multipart encoding).
func (c Client) InteractionRespond(i *discordgo.Interaction, resp *discordgo.InteractionResponse, options ...discordgo.RequestOption) error {
	if resp.Data != nil && len(resp.Data.Files) > 0 {
		return c.Session.InteractionRespond(i, resp, options...)
	}
	body, err := discordgo.Marshal(resp)
	if err != nil {
		return fmt.Errorf("encode interaction response: %w", err)
	}
	_, err = c.interactionRequest("POST", discordgo.EndpointInteractionResponse(i.ID, i.Token), body, options...)
	return err
}

// InteractionRespondJSON sends an interaction's initial response already
// encoded as JSON (an InteractionResponse): a summary many members ask for
// at once is encoded once, not once per member. It asks Discord for the
// callback response (with_response) and returns the id of the message the
// response created ("" when it created none), which saves fetching the
// original response to start a thread on it.
func (c Client) InteractionRespondJSON(i *discordgo.Interaction, body []byte, options ...discordgo.RequestOption) (messageID string, err error) {
	uri := discordgo.EndpointInteractionResponse(i.ID, i.Token)
	resp, err := c.interactionRequest("POST", uri+"?with_response=true", body, options...)
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
	body, err := c.interactionRequest("GET", discordgo.EndpointWebhookMessage(i.AppID, i.Token, "@original"), nil, options...)
	if err != nil {
		return nil, err
	}
	return decodeMessage(body, "original response")
}

// InteractionResponseEdit edits the original response of an interaction.
func (c Client) InteractionResponseEdit(i *discordgo.Interaction, e *discordgo.WebhookEdit, options ...discordgo.RequestOption) (*discordgo.Message, error) {
	if len(e.Files) > 0 {
		return c.Session.InteractionResponseEdit(i, e, options...)
	}
	body, err := discordgo.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode response edit: %w", err)
	}
	resp, err := c.interactionRequest("PATCH", discordgo.EndpointWebhookMessage(i.AppID, i.Token, "@original"), body, options...)
	if err != nil {
		return nil, err
	}
	return decodeMessage(resp, "edited response")
}

// InteractionResponseDelete deletes the original response of an
// interaction.
func (c Client) InteractionResponseDelete(i *discordgo.Interaction, options ...discordgo.RequestOption) error {
	_, err := c.interactionRequest("DELETE", discordgo.EndpointWebhookMessage(i.AppID, i.Token, "@original"), nil, options...)
	return err
}

// FollowupMessageCreate sends a follow-up message for an interaction; with
// wait it returns the message.
func (c Client) FollowupMessageCreate(i *discordgo.Interaction, wait bool, data *discordgo.WebhookParams, options ...discordgo.RequestOption) (*discordgo.Message, error) {
	if len(data.Files) > 0 {
		return c.Session.FollowupMessageCreate(i, wait, data, options...)
	}
	body, err := discordgo.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("encode follow-up: %w", err)
	}
	uri := discordgo.EndpointWebhookToken(i.AppID, i.Token)
	if wait {
		uri += "?wait=true"
	}
	resp, err := c.interactionRequest("POST", uri, body, options...)
	if err != nil || !wait {
		return nil, err
	}
	return decodeMessage(resp, "follow-up")
}

func decodeMessage(body []byte, what string) (*discordgo.Message, error) {
	var m discordgo.Message
	if err := discordgo.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("decode %s: %w", what, err)
	}
	return &m, nil
}

// MessageThreadStartComplex starts a thread on a message. Its rate-limit
// bucket is the channel's, as Discord's is (the message id is no major
// parameter): discordgo would keep one bucket per message, forever.
func (c Client) MessageThreadStartComplex(channelID, messageID string, data *discordgo.ThreadStart, options ...discordgo.RequestOption) (*discordgo.Channel, error) {
	return startThread(c.Session, channelID, messageID, data, options...)
}

func startThread(s *discordgo.Session, channelID, messageID string, data *discordgo.ThreadStart, options ...discordgo.RequestOption) (*discordgo.Channel, error) {
	body, err := s.RequestWithBucketID("POST", discordgo.EndpointChannelMessageThread(channelID, messageID), data,
		discordgo.EndpointChannelMessages(channelID)+"/threads", options...)
	if err != nil {
		return nil, err
	}
	var ch discordgo.Channel
	if err := discordgo.Unmarshal(body, &ch); err != nil {
		return nil, fmt.Errorf("decode thread: %w", err)
	}
	return &ch, nil
}
