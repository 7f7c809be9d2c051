// Package summarizer turns articles into structured security summaries and
// answers follow-up questions, through any OpenAI-compatible chat API.
//
// It owns the fixed, versioned prompts, the cache key (content hash, model,
// prompt version, language), the token budget and long-text handling
// (map-reduce over paragraph chunks), JSON validation and repair, retries
// with backoff, the concurrency limit and usage accounting. Untrusted text
// (articles, earlier model output) is always sent fenced as data.
package summarizer

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/secbrief/secbrief/internal/clock"
	"github.com/secbrief/secbrief/internal/defaults"
	"github.com/secbrief/secbrief/internal/flight"
	"github.com/secbrief/secbrief/news"
)

// Errors callers branch on.
var (
	// ErrUnavailable: the LLM kept failing (429, 5xx, timeouts, connection
	// errors) after every retry. It wraps the last cause.
	ErrUnavailable = errors.New("llm unavailable")
	// ErrQuota: the account has no quota left (429 insufficient_quota);
	// not retried.
	ErrQuota = errors.New("llm quota exhausted")
	// ErrInvalidOutput: the model's reply was not a valid summary, even
	// after one repair attempt (or an answer was empty).
	ErrInvalidOutput = errors.New("llm output invalid")
	// ErrEmpty: the article (or the question) has too little text.
	ErrEmpty = errors.New("too little text")
	// ErrBusy: another process sharing the cache was making the same
	// summary and had not stored it within Options.ClaimWait; asking again
	// shortly gets it (or takes the job over).
	ErrBusy = errors.New("summary still being made by another process")
)

// Cache is what the summarizer needs from storage. Keys are opaque strings
// composed by the summarizer (see Summarizer.Key).
type Cache interface {
	// Summary returns the summary stored under key; ok is false on a miss.
	Summary(ctx context.Context, key string) (s news.Summary, ok bool, err error)
	// PutSummary stores s under key, replacing any previous value.
	PutSummary(ctx context.Context, key string, s news.Summary) error
	// PutArticle stores the article, keyed by its content hash (a.Hash()).
	PutArticle(ctx context.Context, a news.Article) error
	// AddUsage adds u's token counts to the totals of its guild, day and
	// model.
	AddUsage(ctx context.Context, u news.Usage) error
}

// Defaults applied by New to zero Options fields: those of the llm.* keys
// (internal/defaults, which config.Default takes too).
const (
	DefaultModel           = defaults.LLMModel
	DefaultLanguage        = defaults.LLMLanguage
	DefaultMaxInputTokens  = defaults.LLMMaxInputTokens
	DefaultMaxOutputTokens = defaults.LLMMaxOutputTokens
	DefaultConcurrency     = defaults.LLMConcurrency
	DefaultMaxRetries      = defaults.LLMMaxRetries
	DefaultMaxRetryWait    = 30 * time.Second
	DefaultTimeout         = defaults.LLMTimeout
	// DefaultMaxChunks is how many parts of a long article get notes; the
	// rest of a longer page is left out (and the summary says so).
	DefaultMaxChunks = defaults.LLMMaxChunks
	// MinInputTokens is the smallest accepted MaxInputTokens: the summary
	// prompt alone estimates at ~650 tokens, and the combine step of a long
	// article needs room for notes besides.
	MinInputTokens = 1024
)

// Options configure a Summarizer. Zero fields take the defaults above.
type Options struct {
	// Model is the model name sent with every request (llm.model).
	Model string
	// Language is the output language, e.g. "English"; part of the cache
	// key.
	Language string
	// MaxInputTokens is the estimated-token budget of one request's prompt
	// (system prompt, instructions and fenced text together). Longer
	// articles are summarized in chunks. Raised to MinInputTokens if lower.
	MaxInputTokens int
	// MaxOutputTokens caps the completion of one request.
	MaxOutputTokens int
	// MaxChunks is the most parts of a long article that get a notes
	// request (llm.max_chunks): one summary then costs at most MaxChunks+2
	// calls (notes, one combine, one repair), retries aside.
	MaxChunks int
	// Concurrency is the most LLM requests in flight at once, across
	// Summarize and Answer.
	Concurrency int
	// MaxRetries is how many times a failed request is retried; negative
	// means never.
	MaxRetries int
	// MaxRetryWait caps one wait between attempts (Retry-After included).
	MaxRetryWait time.Duration
	// Timeout bounds one request (one attempt).
	Timeout time.Duration
	// GuildDailyTokens is the daily token budget of each guild, and of each
	// member's direct messages (limits.guild_daily_tokens): once the tokens
	// a guild used and has in flight reach it, its requests fail with an
	// error wrapping news.ErrBudgetSpent and reach no LLM. 0 is unlimited;
	// the terminal (guild "") never has a budget. It needs a Cache that is a
	// Budget too (package storage's Store is); otherwise it is not enforced.
	GuildDailyTokens int
	// ClaimWait bounds how long Summarize waits for another process that
	// claimed the same article (see Claims) before giving up with ErrBusy.
	// Zero means four times Timeout, at least 30 s and at most 10 min:
	// long enough for a long article's notes and combine.
	ClaimWait time.Duration

	// Now is the clock for usage days; nil means time.Now.
	Now func() time.Time
	// Sleep waits between retries; nil means a timer that ends early when
	// ctx is done. Tests inject one that records the durations.
	Sleep func(ctx context.Context, d time.Duration) error
	// Observe, when set, is told the outcome of every request attempt (see
	// complete): ok, retry, error or quota (package metrics counts them).
	Observe func(outcome string)
}

func (o Options) withDefaults() Options {
	if o.Model == "" {
		o.Model = DefaultModel
	}
	if o.Language == "" {
		o.Language = DefaultLanguage
	}
	if o.MaxInputTokens == 0 {
		o.MaxInputTokens = DefaultMaxInputTokens
	}
	o.MaxInputTokens = max(o.MaxInputTokens, MinInputTokens)
	if o.MaxOutputTokens <= 0 {
		o.MaxOutputTokens = DefaultMaxOutputTokens
	}
	if o.MaxChunks <= 0 {
		o.MaxChunks = DefaultMaxChunks
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = DefaultMaxRetries
	}
	o.MaxRetries = max(o.MaxRetries, 0)
	if o.MaxRetryWait <= 0 {
		o.MaxRetryWait = DefaultMaxRetryWait
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.ClaimWait <= 0 {
		o.ClaimWait = min(max(claimWaitTimeouts*o.Timeout, minClaimWait), maxClaimWait)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = clock.Wall{}.Sleep
	}
	if o.Observe == nil {
		o.Observe = func(string) {}
	}
	return o
}

// Summarizer summarizes articles and answers questions about them.
// It is safe for concurrent use.
type Summarizer struct {
	client *openai.Client
	cache  Cache
	claims Claims // nil when the cache has none: one process only
	opts   Options
	budget Budget // nil: cache is not one; usage goes to cache.AddUsage
	log    *slog.Logger
	sem    chan struct{}
	flight flight.Group[news.Summary]
}

// New returns a Summarizer calling the LLM through client and caching in
// cache (nil disables caching and usage accounting). A cache that is a
// Budget too reserves and settles every request's tokens (see
// Options.GuildDailyTokens); one that implements Claims makes processes
// sharing it make each summary once.
func New(client *openai.Client, cache Cache, opts Options, logger *slog.Logger) *Summarizer {
	if cache == nil {
		cache = nopCache{}
	}
	claims, _ := cache.(Claims)
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	opts = opts.withDefaults()
	budget, _ := cache.(Budget)
	return &Summarizer{
		client: client,
		cache:  cache,
		budget: budget,
		claims: claims,
		opts:   opts,
		log:    logger,
		sem:    make(chan struct{}, opts.Concurrency),
	}
}

// NewClient returns a go-openai client for an OpenAI-compatible API at
// baseURL (e.g. "https://api.openai.com/v1"). A nil httpClient means a
// default client without a total timeout (Options.Timeout bounds calls).
func NewClient(baseURL, apiKey string, httpClient *http.Client) *openai.Client {
	cfg := openai.DefaultConfig(apiKey)
	if baseURL != "" {
		cfg.BaseURL = baseURL
	}
	if httpClient != nil {
		cfg.HTTPClient = httpClient
	}
	return openai.NewClientWithConfig(cfg)
}

// Model is the model the summarizer asks.
func (s *Summarizer) Model() string { return s.opts.Model }

// Language is the output language.
func (s *Summarizer) Language() string { return s.opts.Language }

type guildKey struct{}

// WithGuild attributes the LLM usage of calls made with ctx to a guild
// (empty for the terminal), and holds them to its budget.
func WithGuild(ctx context.Context, guildID string) context.Context {
	return context.WithValue(ctx, guildKey{}, guildID)
}

func guildFrom(ctx context.Context) string {
	g, _ := ctx.Value(guildKey{}).(string)
	return g
}

// nopCache is the cache used when New gets nil: it never hits.
type nopCache struct{}

func (nopCache) Summary(context.Context, string) (news.Summary, bool, error) {
	return news.Summary{}, false, nil
}
func (nopCache) PutSummary(context.Context, string, news.Summary) error { return nil }
func (nopCache) PutArticle(context.Context, news.Article) error         { return nil }
func (nopCache) AddUsage(context.Context, news.Usage) error             { return nil }
