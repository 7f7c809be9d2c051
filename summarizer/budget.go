package summarizer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/secbrief/secbrief/news"
)

// Budget is the side of a Cache that keeps each guild within its daily
// token budget (Options.GuildDailyTokens) across every process sharing the
// store; package storage's Store has it. Before a request is sent its most
// tokens are reserved, after it the reservation is settled with what the
// request really used, so a check anywhere sees the tokens in flight and no
// two requests start on the same headroom. A Cache without it records each
// request's usage with AddUsage afterwards and enforces no budget.
type Budget interface {
	// ReserveTokens reserves tokens of guildID's budget on day (YYYY-MM-DD,
	// UTC) when the guild's recorded and reserved tokens plus tokens fit in
	// limit (0: no limit), and returns the reservation's id; otherwise it
	// returns an error wrapping news.ErrBudgetSpent.
	ReserveTokens(ctx context.Context, guildID, day string, tokens, limit int) (int64, error)
	// SettleTokens ends reservation id and records u, the usage it stood for.
	SettleTokens(ctx context.Context, id int64, u news.Usage) error
}

// reservation is the budget one request holds while it is in flight.
type reservation struct {
	id    int64 // 0: none (no Budget, or the store failed and no limit applies)
	guild string
	day   string
}

// reserve reserves the budget of the request creq for the guild in ctx:
// its estimated prompt plus the completion cap it sends, the most it can
// cost. It returns an error wrapping news.ErrBudgetSpent when the guild's
// budget is spent: a request may start while the tokens the guild used and
// has in flight are below Options.GuildDailyTokens (the rule of the
// commands' and digests' own checks), and its whole bound is reserved, so
// that any other request in any process waits for tomorrow until this one
// settles. At most one request, the last of the day, thus crosses the
// budget, by less than its bound. The terminal (guild "") has no budget; its
// requests are reserved all the same, so usage shows them in flight.
func (s *Summarizer) reserve(ctx context.Context, req request, creq openai.ChatCompletionRequest) (reservation, error) {
	r := reservation{guild: guildFrom(ctx), day: s.opts.Now().UTC().Format(time.DateOnly)}
	if s.budget == nil {
		return r, nil
	}
	bound := estimateMessages(req.messages) + max(creq.MaxTokens, creq.MaxCompletionTokens)
	limit := 0
	if r.guild != "" && s.opts.GuildDailyTokens > 0 {
		// used+reserved+bound <= GuildDailyTokens-1+bound, i.e.
		// used+reserved < GuildDailyTokens.
		limit = s.opts.GuildDailyTokens - 1 + bound
	}
	id, err := s.budget.ReserveTokens(ctx, r.guild, r.day, bound, limit)
	switch {
	case errors.Is(err, news.ErrBudgetSpent):
		return r, fmt.Errorf("guild %q: %w", r.guild, err)
	case err != nil && limit > 0:
		// Without the reservation the budget cannot be kept: refuse.
		return r, fmt.Errorf("token budget of guild %q: %w", r.guild, err)
	case err != nil:
		s.log.Warn("reserve llm tokens", "guild_id", r.guild, "err", err)
	}
	r.id = id
	return r, nil
}

// settle ends r and records the usage of the request it stood for: resp's
// when the server answered (answered), with estimates when the server
// reports none, so budgets still count the call; nothing when it did not
// (the reservation is then only given back). The tokens are spent even if
// the caller has gone: it records anyway.
func (s *Summarizer) settle(ctx context.Context, r reservation, req request, resp openai.ChatCompletionResponse, answered bool) {
	u := news.Usage{GuildID: r.guild, Day: r.day, Model: s.opts.Model}
	if answered {
		u.PromptTokens, u.CompletionTokens = resp.Usage.PromptTokens, resp.Usage.CompletionTokens
		if u.PromptTokens == 0 && u.CompletionTokens == 0 {
			u.PromptTokens = estimateMessages(req.messages)
			if len(resp.Choices) > 0 {
				u.CompletionTokens = EstimateTokens(resp.Choices[0].Message.Content)
			}
		}
	}
	ctx = context.WithoutCancel(ctx)
	var err error
	switch {
	case s.budget != nil:
		err = s.budget.SettleTokens(ctx, r.id, u)
	case answered:
		err = s.cache.AddUsage(ctx, u)
	}
	if err != nil {
		s.log.Error("record llm usage", "guild_id", u.GuildID, "err", err)
	}
}
