package commands

import (
	"context"
	"fmt"
)

// errBudgetSpent is shown once a guild spent its daily LLM tokens.
var errBudgetSpent = &UserError{Msg: "This server has used today's summarizer budget. It resets at 00:00 UTC; links summarized before still work."}

// checkBudget refuses LLM work for a guild whose daily token budget
// (limits.guild_daily_tokens) is spent. Direct messages have no guild
// budget; the per-user limits still apply.
func (r *Router) checkBudget(ctx context.Context, guildID string) error {
	if r.opts.GuildDailyTokens <= 0 || guildID == "" {
		return nil
	}
	used, err := r.store.TokensOn(ctx, guildID, r.opts.Now().UTC().Format("2006-01-02"))
	if err != nil {
		return fmt.Errorf("token budget of %s: %w", guildID, err)
	}
	if used >= r.opts.GuildDailyTokens {
		return errBudgetSpent
	}
	return nil
}
