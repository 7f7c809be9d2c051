package news

import "errors"

// ErrBudgetSpent is wrapped by the error of LLM work refused because its
// payer (a guild, a member's direct messages) has no daily token budget
// left for it: the tokens recorded and those reserved by requests in flight,
// in any process, leave no room for another request today (UTC).
var ErrBudgetSpent = errors.New("daily token budget spent")
