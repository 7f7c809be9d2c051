package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/secbrief/secbrief/article"
	"github.com/secbrief/secbrief/config"
	"github.com/secbrief/secbrief/digest"
	"github.com/secbrief/secbrief/feeds"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/render"
	"github.com/secbrief/secbrief/storage"
)

// terminalGuild is the pseudo guild of digests built in the terminal: its
// feeds are feeds.defaults and its LLM usage is recorded under this id.
// Nothing is ever delivered to it.
const terminalGuild = "terminal"

// runDigest polls the configured feeds (feeds.defaults) and prints the
// digest of the items published within -since as markdown, without
// Discord, followed by the feeds that could not be read and why. It fails
// when none could be.
//
// The terminal digest keeps its own feed state: the feeds, their items and
// its subscriptions live in a private in-memory store for the run, so it
// fetches every feed whatever backoff the bot recorded, and never backs
// off, disables or stores items of the feeds Discord servers share in
// storage.path. The shared store serves only the summary cache and the
// token usage (budget included) of the pseudo guild.
func runDigest(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("digest", flag.ContinueOnError)
	configPath := fs.String("config", "", "configuration file (default $SECBRIEF_CONFIG)")
	since := fs.Duration("since", 24*time.Hour, "include items published within this window")
	dryRun := fs.Bool("dry-run", false, "print the digest as markdown instead of posting it (required; the bot, secbrief run, posts digests)")
	noLLM := fs.Bool("no-llm", false, "no LLM call and no API key needed: stories by headline and first sentences (cached summaries are still shown)")
	fs.Usage = flagUsage(fs, "digest")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	if !*dryRun || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	if *since <= 0 {
		return errors.New("-since must be positive")
	}
	var needs []config.Need
	if !*noLLM {
		needs = append(needs, config.NeedLLM)
	}
	a, err := start(ctx, *configPath, e, needs...)
	if err != nil {
		return err
	}
	defer a.Close()
	urls := distinct(a.cfg.Feeds.Defaults)
	if len(urls) == 0 {
		return errors.New("feeds.defaults is empty: there are no feeds to make a digest from")
	}
	a.dropTerminalSubscriptions(ctx)
	scratch, err := storage.Open(ctx, ":memory:", a.log)
	if err != nil {
		return fmt.Errorf("open the digest's feed store: %w", err)
	}
	defer scratch.Close()
	if _, err := scratch.SeedGuild(ctx, terminalGuild, urls); err != nil {
		return err
	}
	runner := a.terminalRunner(scratch, *since, *noLLM)
	d, err := runner.Build(ctx, news.DigestTarget{GuildID: terminalGuild, ChannelID: terminalGuild})
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}
	if err != nil && !errors.Is(err, news.ErrNothingNew) {
		return err
	}
	failed, err := failedFeeds(ctx, scratch, urls)
	if err != nil {
		return err
	}
	var b strings.Builder
	switch {
	case len(failed) == len(urls):
	case len(d.Stories) > 0 || len(d.Headlines) > 0:
		b.WriteString(render.DigestMarkdown(d))
	case len(failed) > 0:
		fmt.Fprintf(&b, "Nothing new in the last %s from the %d of %d feeds that could be read.\n", *since, len(urls)-len(failed), len(urls))
	default:
		fmt.Fprintf(&b, "Nothing new in the last %s from %d feeds.\n", *since, len(urls))
	}
	b.WriteString(failuresMarkdown(failed, len(urls), b.Len() > 0))
	if _, err := io.WriteString(e.stdout, b.String()); err != nil {
		return err
	}
	if len(failed) == len(urls) {
		return fmt.Errorf("none of the %d feeds could be read (listed above): no digest", len(urls))
	}
	return nil
}

// terminalRunner builds the terminal's digests over scratch: feeds polled
// into it with a poller of its own (failures keep their full error, for
// the operator), and summaries through the app's summarizer and its cache.
// With noLLM nothing calls the LLM and no article page is fetched.
func (a *app) terminalRunner(scratch *storage.Store, since time.Duration, noLLM bool) *digest.Runner {
	poller := feeds.New(article.NewClient(a.policy), scratch, feeds.Options{
		MaxBodyBytes: a.cfg.Fetch.MaxBytes.Bytes(), // fetch.max_bytes covers feeds too
		UserAgent:    a.cfg.Fetch.UserAgent,
		// The terminal is the operator's: the whole error, on one line.
		ErrorText: func(err error) string { return strings.Join(strings.Fields(err.Error()), " ") },
	}, a.log)
	cfg := a.digestConfig()
	cfg.Store = terminalStore{Store: scratch, usage: a.store, noLLM: noLLM}
	cfg.Poller, cfg.Lookback = poller, since
	if noLLM {
		// A budget that is spent from the start: the runner shows cached
		// summaries and lists the rest by headline, as when a guild's
		// budget runs out, and says so in its log at info, not warn.
		cfg.GuildDailyTokens = 1
		cfg.Summarizer = cacheOnly{cfg.Summarizer}
		cfg.Fetcher, cfg.Judge = nil, nil
	}
	return digest.NewRunner(cfg)
}

// terminalStore is the terminal digest's store: the private feed store of
// the run, with the token usage of the shared one, where the summarizer
// records it.
type terminalStore struct {
	*storage.Store
	usage *storage.Store
	noLLM bool
}

var _ digest.Store = terminalStore{}

// TokensOn returns the guild's recorded usage on day; with -no-llm there
// are no tokens to spend at all.
func (s terminalStore) TokensOn(ctx context.Context, guildID, day string) (int, error) {
	if s.noLLM {
		return math.MaxInt32, nil
	}
	return s.usage.TokensOn(ctx, guildID, day)
}

// cacheOnly is the summarizer of `digest -no-llm`: cached summaries cost
// nothing and are shown; Summarize never calls the LLM.
type cacheOnly struct{ digest.Summarizer }

// Summarize refuses: -no-llm makes no LLM call.
func (cacheOnly) Summarize(context.Context, news.Article) (news.Summary, error) {
	return news.Summary{}, errors.New("-no-llm: not summarized")
}

// dropTerminalSubscriptions removes the pseudo guild's subscriptions from
// the shared store, which an earlier version of the terminal digest left
// behind when it was killed: a bot would poll them forever.
func (a *app) dropTerminalSubscriptions(ctx context.Context) {
	left, err := a.store.GuildFeeds(ctx, terminalGuild)
	if err != nil {
		a.log.Warn("list leftover terminal subscriptions", "err", err)
		return
	}
	for _, st := range left {
		if _, err := a.store.Unsubscribe(ctx, terminalGuild, st.URL); err != nil {
			a.log.Warn("remove leftover terminal subscription", "feed_url", st.URL, "err", err)
		}
	}
}

// feedFailure is a configured feed the run could not read, and why.
type feedFailure struct{ url, reason string }

// failedFeeds lists the feeds of urls whose poll failed in scratch, or
// that were not polled at all.
func failedFeeds(ctx context.Context, scratch *storage.Store, urls []string) ([]feedFailure, error) {
	var failed []feedFailure
	for _, u := range urls {
		st, err := scratch.FeedState(ctx, u)
		if err != nil {
			return nil, err
		}
		switch {
		case st.Failures > 0:
			// The errors name the feed already; the list does too.
			failed = append(failed, feedFailure{u, strings.TrimPrefix(st.LastError, "fetch "+u+": ")})
		case st.LastPolledAt.IsZero():
			failed = append(failed, feedFailure{u, "not polled (the log says why)"})
		}
	}
	return failed, nil
}

// failuresMarkdown lists the feeds that failed, under a rule when it
// follows other output.
func failuresMarkdown(failed []feedFailure, total int, after bool) string {
	if len(failed) == 0 {
		return ""
	}
	var b strings.Builder
	if after {
		b.WriteString("\n---\n\n")
	}
	fmt.Fprintf(&b, "**Feeds that could not be read: %d of %d**\n\n", len(failed), total)
	for _, f := range failed {
		fmt.Fprintf(&b, "- <%s>: %s\n", f.url, f.reason)
	}
	return b.String()
}

// distinct returns urls without repeats, in their order.
func distinct(urls []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, u := range urls {
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
}
