package bot

// Start-up: where the gateway is, and why Discord refused the session,
// told so that the operator knows what to fix.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/gateway"
)

// gatewayURL asks Discord where to connect (GET /gateway/bot). Its errors
// name the URL actually dialled (discord.api_base_url's, when set, not
// discord.com's): a 401 wraps gateway.ErrInvalidToken, which ends Run; no
// answer at all is a network problem, retried.
func (b *Bot) gatewayURL(ctx context.Context) (string, error) {
	g, err := b.session.GatewayBot(discordgo.WithContext(ctx))
	if err == nil {
		return g.URL, nil
	}
	var rerr *discordgo.RESTError
	var uerr *url.Error
	switch {
	case errors.As(err, &rerr) && rerr.Response.StatusCode == http.StatusUnauthorized:
		return "", fmt.Errorf("GET %s answered %s (%w)", b.gatewayBotURL, rerr.Response.Status, gateway.ErrInvalidToken)
	case errors.As(err, &rerr):
		return "", fmt.Errorf("GET %s answered %s", b.gatewayBotURL, rerr.Response.Status)
	case errors.As(err, &uerr) && networkProblem(uerr.Err):
		// uerr names the request's URL, discord.com's; the rewritten one
		// is what was dialled.
		return "", fmt.Errorf("network problem: GET %s: %w", b.gatewayBotURL, uerr.Err)
	case errors.As(err, &uerr):
		return "", fmt.Errorf("GET %s: %w", b.gatewayBotURL, uerr.Err)
	}
	return "", fmt.Errorf("GET %s: %w", b.gatewayBotURL, err)
}

// networkProblem reports whether err is the network's: a name that did not
// resolve, a connection refused, reset or timed out.
func networkProblem(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &op) || errors.As(err, &dns)
}

// intentHint explains close code 4014 to the operator.
const intentHint = "discord.message_content_intent is true: switch on Message Content Intent in the Developer Portal " +
	"(Bot → Privileged Gateway Intents), or Discord closes the connection with code 4014"

// openError explains why the gateway refused the session.
func (b *Bot) openError(err error) error {
	if errors.Is(err, gateway.ErrInvalidToken) {
		return fmt.Errorf("discord.token is invalid: %w; copy the bot token again from the Developer Portal "+
			"(Bot → Reset Token)", err)
	}
	var ce *gateway.CloseError
	if errors.As(err, &ce) && ce.Code == 4014 {
		return fmt.Errorf("discord gateway: %w (%s)", err, intentHint)
	}
	return fmt.Errorf("discord gateway: %w", err)
}
