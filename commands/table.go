// Package commands is secbrief's command table: each command is one entry
// (package bot's Command) with its definition, what Discord fixes at the
// first response (may it defer, is it private, does it open a modal) and
// its Handle, a function from a decoded Request to a Response or an error:
// /summarize, the Summarize message command and its text modal, /ask,
// /usage, /cve, and the admin commands /digest and /feeds; HandleMessage answers
// questions that mention the bot in its threads. Handlers never see
// Discord: package bot delivers what they return, and shows their errors
// through UserMessage, the one place errors become what users read.
package commands

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/secbrief/secbrief/article"
	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/internal/defaults"
	"github.com/secbrief/secbrief/internal/flight"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/summarizer"
)

// Summarizer writes and answers from summaries (package summarizer).
type Summarizer interface {
	Summarize(ctx context.Context, a news.Article) (news.Summary, error)
	Cached(ctx context.Context, a news.Article) (news.Summary, bool, error)
	Answer(ctx context.Context, q summarizer.Question) (string, error)
}

// Fetcher fetches and extracts an article (package article).
type Fetcher interface {
	Fetch(ctx context.Context, rawURL string) (news.Article, error)
}

// Store is what the handlers keep: articles, and the threads the bot opened
// with their questions and answers (package storage).
type Store interface {
	Article(ctx context.Context, hash string) (news.Article, bool, error)
	PutArticle(ctx context.Context, a news.Article) error
	ArticleByURL(ctx context.Context, url string, maxAge time.Duration) (news.Article, bool, error)
	PutThread(ctx context.Context, t news.Thread) error
	Thread(ctx context.Context, id string) (news.Thread, bool, error)
	AddTurn(ctx context.Context, threadID string, t news.Turn) error
	Turns(ctx context.Context, threadID string, limit int) ([]news.Turn, error)
	TurnsSince(ctx context.Context, threadID string, since time.Time) (int, error)
	TokensOn(ctx context.Context, guildID string, day string) (int, error)
	// GuildUsage lists a guild's usage per day and model from one day to
	// another (YYYY-MM-DD, UTC, both included), for /usage.
	GuildUsage(ctx context.Context, guildID, from, to string) ([]news.Usage, error)
	// RecordPostedCVEs records the public summaries posted in a server
	// that name CVEs; PostedCVEs lists them, newest first, for /cve.
	RecordPostedCVEs(ctx context.Context, ps []news.PostedCVE) error
	PostedCVEs(ctx context.Context, guildID, cve string, limit int) ([]news.PostedCVE, error)
}

// Intel says what is known of CVEs (intel.Service): CISA KEV, FIRST EPSS
// and CVSS, read from the store only. Lookup returns an entry for each id
// something is known of, by upper-case id, and asks for the CVE records
// missing or older than their TTL to be looked up in the background (it
// never blocks); Status is the state of each source, for saying how fresh
// the data shown is.
type Intel interface {
	Lookup(ctx context.Context, ids ...string) (map[string]news.CVEIntel, error)
	Status(ctx context.Context) ([]news.SourceStatus, error)
}

// intelHotTTL bounds how long a summary rendered with intel is answered
// from memory: KEV is refreshed hourly, and a CVE added to it should show
// on the next /summarize of a link soon after.
const intelHotTTL = time.Hour

// Options tune the handlers.
type Options struct {
	// AutoThread opens a thread on every public summary.
	AutoThread bool
	// MessageContent means the Message Content intent is on: plain messages
	// in the bot's threads are answered, not only mentions.
	MessageContent bool
	// URLPolicy is checked before anything is deferred or fetched.
	URLPolicy article.Policy
	// PerUserPerMinute limits /summarize per user; AskPerUserPerMinute
	// limits questions per user; ThreadTurnsPerHour caps answers per thread.
	PerUserPerMinute, AskPerUserPerMinute, ThreadTurnsPerHour int
	// GuildDailyTokens is each guild's daily LLM token budget (0: none);
	// once spent, only cached summaries are served.
	GuildDailyTokens int
	// CacheMaxAge is how old a stored fetch of a URL may be to answer
	// /summarize without fetching again (default 24h).
	CacheMaxAge time.Duration
	// WorkTimeout bounds one fetch-and-summarize or answer (default 4 min,
	// within the 15 minutes an interaction token lives).
	WorkTimeout time.Duration
	// TurnWindow is how many earlier turns go with a question (default 6).
	TurnWindow int
	// Intel, when set, badges the CVEs of summaries and raises their
	// severity by what it knows (render.Summary), and answers /cve; nil
	// (intel.enabled false) shows summaries without it, and /cve says
	// vulnerability data is turned off.
	Intel Intel
	// KEVRefresh and EPSSRefresh are intel.kev_refresh and
	// intel.epss_refresh: /cve says how old the data of a source is when
	// it is older than two refreshes (or the last refresh failed).
	KEVRefresh, EPSSRefresh time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// hotLinks is how many recently summarized links are kept rendered in
// memory.
const hotLinks = 256

// Table is secbrief's command table with what its handlers share: the
// summarizer, the fetcher, the store, the limits and a memory of recently
// summarized links. Package bot serves it.
type Table struct {
	summarizer Summarizer
	fetcher    Fetcher
	store      Store
	opts       Options
	log        *slog.Logger
	extra      []bot.Command

	userLimit, askLimit *Limiter
	inflight            flight.Group[answer] // fetch and summary of one link
	hot                 *hotAnswers

	mu     sync.RWMutex
	selfID string
}

// New returns the table of secbrief's commands; extra adds commands of
// other features (the admin commands).
func New(sum Summarizer, f Fetcher, st Store, opts Options, logger *slog.Logger, extra ...bot.Command) *Table {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.CacheMaxAge <= 0 {
		opts.CacheMaxAge = 24 * time.Hour
	}
	if opts.WorkTimeout <= 0 {
		opts.WorkTimeout = 4 * time.Minute
	}
	if opts.TurnWindow <= 0 {
		opts.TurnWindow = 6
	}
	if opts.KEVRefresh <= 0 {
		opts.KEVRefresh = defaults.IntelKEVRefresh
	}
	if opts.EPSSRefresh <= 0 {
		opts.EPSSRefresh = defaults.IntelEPSSRefresh
	}
	hotTTL := opts.CacheMaxAge
	if opts.Intel != nil {
		hotTTL = min(hotTTL, intelHotTTL)
	}
	return &Table{
		summarizer: sum, fetcher: f, store: st, opts: opts, log: logger, extra: extra,
		userLimit: NewLimiter(opts.PerUserPerMinute, opts.Now),
		askLimit:  NewLimiter(opts.AskPerUserPerMinute, opts.Now),
		hot:       newHotAnswers(hotLinks, hotTTL, opts.Now),
	}
}

// Commands returns the table: one entry per command.
func (t *Table) Commands() []bot.Command {
	return append([]bot.Command{
		t.summarizeEntry(),
		t.summarizeMessageEntry(),
		t.askEntry(),
		t.usageEntry(),
		t.cveEntry(),
	}, t.extra...)
}

// SetSelf records the bot's own user id (from READY), used to recognise
// mentions of the bot.
func (t *Table) SetSelf(userID string) {
	t.mu.Lock()
	t.selfID = userID
	t.mu.Unlock()
}

func (t *Table) self() string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.selfID
}

// UserMessage is the sentence shown for err (see the function UserMessage).
func (t *Table) UserMessage(err error) string { return UserMessage(err) }

// Refused reports whether err is a refusal rather than a failure: a
// user's own mistake (a UserError without a cause), a rate limit or a
// spent token budget.
func (t *Table) Refused(err error) bool {
	var ue *UserError
	var rl *RateLimitedError
	return (errors.As(err, &ue) && ue.Cause == nil) || errors.As(err, &rl) || errors.Is(err, news.ErrBudgetSpent)
}
