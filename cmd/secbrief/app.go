package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/secbrief/secbrief/article"
	"github.com/secbrief/secbrief/config"
	"github.com/secbrief/secbrief/intel"
	"github.com/secbrief/secbrief/internal/redact"
	"github.com/secbrief/secbrief/metrics"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/storage"
	"github.com/secbrief/secbrief/summarizer"
)

// app holds the pieces every subcommand shares, built from the config.
type app struct {
	cfg     config.Config
	log     *slog.Logger
	store   *storage.Store
	sum     *summarizer.Summarizer
	fetcher *article.Fetcher
	policy  article.Policy
	metrics *metrics.Metrics
	// intel serves what is known of CVEs (KEV, EPSS, CVSS) from the store;
	// serveBot runs its refreshes. Disabled (intel.enabled false), it knows
	// nothing.
	intel *intel.Service
	// metricsAddr is where serveBot serves the metrics ("" when it does not).
	metricsAddr string
}

// start loads the configuration for needs and opens the app with the
// process logger on stderr; the caller closes it.
func start(ctx context.Context, configFlag string, e env, needs ...config.Need) (*app, error) {
	cfg, err := loadConfig(configFlag, e, needs...)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(needs, config.NeedDiscord) && strings.EqualFold(cfg.Log.Level, "info") {
		// A terminal command prints its result; at the default level its
		// log keeps to warnings, so the output is not buried.
		cfg.Log.Level = "warn"
	}
	if e.scratch {
		// Keeps nothing: no database file is created, no shared store touched.
		cfg.Storage.Driver, cfg.Storage.Path = config.DriverSQLite, ":memory:"
	}
	return openApp(ctx, cfg, newLogger(cfg, e.stderr))
}

// loadConfig resolves, loads and validates the configuration for needs.
func loadConfig(configFlag string, e env, needs ...config.Need) (config.Config, error) {
	return checkedConfig(config.Resolve(configFlag, e.getenv), e, needs...)
}

func inFile(path string) string {
	if path == "" {
		return " (no file; defaults and environment)"
	}
	return " in " + path
}

// newLogger returns the process logger: text or JSON on w at the configured
// level, with every secret of cfg masked.
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.Log.SlogLevel()}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if strings.EqualFold(cfg.Log.Format, "json") {
		h = slog.NewJSONHandler(w, opts)
	}
	r := redact.New(cfg.Secrets()...)
	return slog.New(r.Handler(h))
}

// fetchPolicy turns the fetch config into the article package's policy.
func fetchPolicy(c config.FetchConfig) article.Policy {
	return article.Policy{
		AllowNetworks: c.Networks(),
		AllowPorts:    c.AllowPorts,
		MaxBytes:      c.MaxBytes.Bytes(),
		Timeout:       c.Timeout.Duration(),
		IdleTimeout:   c.IdleTimeout.Duration(),
		MaxRedirects:  zeroMeansNone(c.MaxRedirects),
		UserAgent:     c.UserAgent,
	}
}

// zeroMeansNone maps a config count where 0 means "none" to the library
// convention where 0 means "the default" and a negative value "none".
func zeroMeansNone(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// openStore opens the store the storage.* keys name.
func openStore(ctx context.Context, cfg config.Config, logger *slog.Logger) (*storage.Store, error) {
	store, err := storage.OpenConfig(ctx, storage.Config{
		Driver: cfg.Storage.Driver,
		Path:   cfg.Storage.Path,
		DSN:    cfg.Storage.DSN.Value(),
		Lease:  cfg.Storage.Lease.Duration(),
	}, logger)
	if err != nil {
		if cfg.Storage.Postgres() {
			return nil, fmt.Errorf("open storage (postgres at storage.dsn): %w", err)
		}
		return nil, fmt.Errorf("open storage.path %s: %w", cfg.Storage.Path, err)
	}
	return store, nil
}

// openApp opens the store and builds the summarizer and fetcher.
func openApp(ctx context.Context, cfg config.Config, logger *slog.Logger) (*app, error) {
	store, err := openStore(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	m := metrics.New()
	client := summarizer.NewClient(cfg.LLM.BaseURL, cfg.LLM.APIKey.Value(), nil)
	if cfg.LLM.APIType == config.APITypeAzure {
		client = summarizer.NewAzureClient(cfg.LLM.BaseURL, cfg.LLM.APIKey.Value(), cfg.LLM.APIVersion, nil)
	}
	sum := summarizer.New(client, meteredCache{Store: store, metrics: m}, summarizer.Options{
		Model:           cfg.LLM.Model,
		Language:        cfg.LLM.Language,
		MaxInputTokens:  cfg.LLM.MaxInputTokens,
		MaxOutputTokens: cfg.LLM.MaxOutputTokens,
		MaxChunks:       cfg.LLM.MaxChunks,
		Concurrency:     cfg.LLM.Concurrency,
		MaxRetries:      zeroMeansNone(cfg.LLM.MaxRetries),
		Timeout:         cfg.LLM.Timeout.Duration(),
		// Every process holds each guild to its budget through the shared
		// store's token reservations.
		GuildDailyTokens: int(cfg.Limits.GuildDailyTokens),
		Observe:          m.LLMRequest,
	}, logger)
	policy := fetchPolicy(cfg.Fetch)
	return &app{
		cfg: cfg, log: logger, store: store, sum: sum,
		fetcher: article.NewFetcher(policy, logger), policy: policy, metrics: m,
		intel: newIntel(cfg, policy, store, logger),
	}, nil
}

// intelTimeout bounds one download of vulnerability data: the day's EPSS
// file is tens of megabytes, more than fetch.timeout is meant for.
const intelTimeout = 5 * time.Minute

// newIntel builds the vulnerability data service of the intel.* keys. Its
// downloads go through the same SSRF-safe client as articles and feeds
// (fetch.allow_networks and fetch.allow_ports apply), with a longer
// timeout; its body limits are its own.
func newIntel(cfg config.Config, policy article.Policy, store *storage.Store, logger *slog.Logger) *intel.Service {
	ic := cfg.Intel
	policy.Timeout = max(policy.Timeout, intelTimeout)
	return intel.New(store, article.NewClient(policy), intel.Options{
		Disabled:    !ic.Enabled,
		KEVURL:      ic.KEVURL,
		EPSSURL:     ic.EPSSURL,
		CVEURL:      ic.CVEURL,
		NVDURL:      ic.NVDURL,
		NVDAPIKey:   ic.NVDAPIKey.Value(),
		KEVRefresh:  ic.KEVRefresh.Duration(),
		EPSSRefresh: ic.EPSSRefresh.Duration(),
		CVSSTTL:     ic.CVSSTTL.Duration(),
	}, logger.With("component", "intel"))
}

// meteredCache is the store as the summarizer's cache and budget,
// counting in metrics the LLM tokens it records. It embeds the Store
// itself, not a Cache, so that the summarizer also finds the store's
// Claims (one LLM call per article across processes).
type meteredCache struct {
	*storage.Store
	metrics *metrics.Metrics
}

// AddUsage counts u's tokens and records u.
func (c meteredCache) AddUsage(ctx context.Context, u news.Usage) error {
	c.metrics.Tokens(u.PromptTokens, u.CompletionTokens)
	return c.Store.AddUsage(ctx, u)
}

// SettleTokens counts u's tokens and settles reservation id with them.
func (c meteredCache) SettleTokens(ctx context.Context, id int64, u news.Usage) error {
	c.metrics.Tokens(u.PromptTokens, u.CompletionTokens)
	return c.Store.SettleTokens(ctx, id, u)
}

// Close releases the store.
func (a *app) Close() error { return a.store.Close() }

// parseFlags parses args with fs, writing usage errors to stderr.
func parseFlags(fs *flag.FlagSet, args []string, e env) error {
	fs.SetOutput(e.stderr)
	if err := parseInterleaved(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}
