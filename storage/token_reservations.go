package storage

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/secbrief/secbrief/news"
)

// reservationTTL is how long a token reservation counts against its
// guild's budget when nobody settles it. Reservations are not renewed like
// leases, so this is a fixed bound no LLM request outlives: a request is one
// call with llm.timeout (default 60 s) and at most llm.max_retries retries
// with waits capped at 30 s (about 5.5 min with the defaults), and a command's
// work ends with its interaction token, which Discord keeps for 15 minutes.
// A process that dies mid-request thus holds its guild's budget back for at
// most this long; settling always records the real usage, even late.
const reservationTTL = 15 * time.Minute

// budgetLockSpace is the first key of the PostgreSQL advisory locks that
// serialize the reservations of one guild (the second is the hash of the
// guild id). Two-key locks do not share the one-key space of the
// migration lock. The bytes of "budg".
const budgetLockSpace int32 = 0x62756467

// ReserveTokens atomically reserves tokens of guildID's budget on day
// (YYYY-MM-DD, UTC) for a request about to be made, and returns the
// reservation's id for SettleTokens. It refuses, with an error wrapping
// news.ErrBudgetSpent, when the tokens recorded for that guild and day,
// plus those of live reservations, plus tokens, would exceed limit; a limit
// of zero or less is no limit, but the reservation is recorded still, so
// TokensOn sees the request in flight. Processes sharing a PostgreSQL store
// reserve one at a time per guild (an advisory lock held to commit), so no
// two can both take the last of a budget; with SQLite the write transaction
// already serializes them. A reservation nobody settles lapses after a
// fixed time (reservationTTL). Lapsed reservations of the guild are pruned
// on the way.
func (s *Store) ReserveTokens(ctx context.Context, guildID, day string, tokens, limit int) (int64, error) {
	if _, err := time.Parse(dayLayout, day); err != nil {
		return 0, fmt.Errorf("reserve tokens: day %q is not YYYY-MM-DD", day)
	}
	if tokens < 0 {
		return 0, fmt.Errorf("reserve tokens: negative count %d", tokens)
	}
	now := s.now()
	var id int64
	err := s.tx(ctx, func(tx *txn) error {
		if err := s.lockKey(ctx, tx, budgetLockSpace, guildID); err != nil {
			return fmt.Errorf("budget lock: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM token_reservations WHERE guild_id = ? AND expires_at <= ?`,
			guildID, now.UnixMicro()); err != nil {
			return fmt.Errorf("prune lapsed reservations: %w", err)
		}
		if limit > 0 {
			used, err := tokensOn(ctx, tx, guildID, day, now)
			if err != nil {
				return err
			}
			if used+int64(tokens) > int64(limit) {
				return fmt.Errorf("%d tokens used or reserved of %d, %d more wanted: %w", used, limit, tokens, news.ErrBudgetSpent)
			}
		}
		// A random id rather than the table's own: SQLite hands a deleted
		// row's id out again, and a late SettleTokens of a lapsed
		// reservation must not end another request's.
		id = rand.Int64N(math.MaxInt64) + 1
		_, err := tx.ExecContext(ctx, `INSERT INTO token_reservations (id, guild_id, day, tokens, owner, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`,
			id, guildID, day, tokens, s.owner, now.Add(reservationTTL).UnixMicro())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("reserve %d tokens for guild %q on %s: %w", tokens, guildID, day, err)
	}
	return id, nil
}

// SettleTokens ends reservation id and records u, the request's real
// usage, as AddUsage does, in one transaction: the budget never counts the
// request twice, nor, to another process checking it, not at all. Settling
// a reservation that lapsed, was settled before or never existed (id 0)
// still records u: the tokens were spent. A usage of zero tokens (the
// request failed) only ends the reservation.
func (s *Store) SettleTokens(ctx context.Context, id int64, u news.Usage) error {
	u, err := s.checkUsage(u)
	if err != nil {
		return fmt.Errorf("settle reservation %d: %w", id, err)
	}
	err = s.tx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM token_reservations WHERE id = ?`, id); err != nil {
			return fmt.Errorf("end reservation: %w", err)
		}
		if u.PromptTokens == 0 && u.CompletionTokens == 0 {
			return nil
		}
		return addUsage(ctx, tx, u)
	})
	if err != nil {
		return fmt.Errorf("settle reservation %d: %w", id, err)
	}
	return nil
}

// rowQuerier is a pool or a transaction of the Store's dialect.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// tokensOn is the guild's tokens on day: those recorded in usage plus those
// of reservations live at now. One statement, so a reader sees a settled
// request either as its reservation or as its usage, never as neither.
func tokensOn(ctx context.Context, q rowQuerier, guildID, day string, now time.Time) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT
		CAST((SELECT COALESCE(SUM(prompt_tokens + completion_tokens), 0) FROM usage
			WHERE guild_id = ? AND day = ?) AS BIGINT)
		+ CAST((SELECT COALESCE(SUM(tokens), 0) FROM token_reservations
			WHERE guild_id = ? AND day = ? AND expires_at > ?) AS BIGINT)`,
		guildID, day, guildID, day, now.UnixMicro()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("tokens of guild %q on %s: %w", guildID, day, err)
	}
	return n, nil
}
