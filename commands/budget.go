package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/news"
)

// errBudgetSpent is shown once a guild spent its daily LLM tokens.
var errBudgetSpent = &UserError{Msg: "This server has used today's summarizer budget. It resets at 00:00 UTC; links summarized before still work."}

// errDMBudgetSpent is shown once a member spent the daily LLM tokens of
// their direct messages with the bot.
var errDMBudgetSpent = &UserError{Msg: "You have used today's summarizer budget for direct messages. It resets at 00:00 UTC; links summarized before still work."}

// dmPayerPrefix marks the payer of LLM work asked for in a direct message:
// the member, as a tenant of their own (usage rows show "dm:<user id>").
const dmPayerPrefix = "dm:"

// payer is who LLM work for an interaction is billed to and budgeted
// against: its server, or in a direct message the member ("dm:<user id>"),
// so that direct messages have a daily ceiling too and are never counted
// as the terminal's (guild "").
func payer(req bot.Request) string {
	if req.GuildID != "" {
		return req.GuildID
	}
	return dmPayerPrefix + req.UserID
}

// checkBudget refuses LLM work for a payer (see payer) whose daily token
// budget (limits.guild_daily_tokens) is spent. It is the cheap check made
// before anything is deferred; the summarizer's reservation of each request
// is the one that holds across processes (see budgetError).
func (t *Table) checkBudget(ctx context.Context, payer string) error {
	if t.opts.GuildDailyTokens <= 0 || payer == "" {
		return nil
	}
	used, err := t.store.TokensOn(ctx, payer, t.opts.Now().UTC().Format("2006-01-02"))
	if err != nil {
		return fmt.Errorf("token budget of %s: %w", payer, err)
	}
	if used < t.opts.GuildDailyTokens {
		return nil
	}
	return budgetSpent(payer)
}

// budgetSpent is the refusal shown to a payer whose budget is spent.
func budgetSpent(payer string) *UserError {
	if strings.HasPrefix(payer, dmPayerPrefix) {
		return errDMBudgetSpent
	}
	return errBudgetSpent
}

// budgetError is err, unless the summarizer refused the work because the
// payer's budget is spent (news.ErrBudgetSpent: other requests, maybe in
// other processes, took the rest after checkBudget passed): then it is the
// same refusal checkBudget gives, with err kept for the log.
func budgetError(payer string, err error) error {
	if !errors.Is(err, news.ErrBudgetSpent) {
		return err
	}
	return &UserError{Msg: budgetSpent(payer).Msg, Cause: err}
}
