package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/secbrief/secbrief/config"
	"github.com/secbrief/secbrief/digest"
	"github.com/secbrief/secbrief/render"
)

// terminalGuild is the pseudo guild whose feeds are feeds.defaults, for
// digests built in the terminal; nothing is ever delivered to it.
const terminalGuild = "terminal"

// runDigest polls the configured feeds (feeds.defaults) and prints the
// digest of the items published within -since as markdown, without
// Discord and without marking anything delivered.
func runDigest(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("digest", flag.ContinueOnError)
	configPath := fs.String("config", "", "configuration file (default $SECBRIEF_CONFIG)")
	since := fs.Duration("since", 24*time.Hour, "include items published within this window")
	dryRun := fs.Bool("dry-run", false, "print the digest as markdown instead of posting it (required: `secbrief run` posts digests)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: secbrief digest [-config FILE] [-since 24h] -dry-run")
		fs.PrintDefaults()
	}
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
	a, err := start(ctx, *configPath, e, config.NeedLLM)
	if err != nil {
		return err
	}
	defer a.Close()
	if len(a.cfg.Feeds.Defaults) == 0 {
		return errors.New("feeds.defaults is empty: there are no feeds to make a digest from")
	}
	a.cfg.Digest.Lookback = config.Duration(*since)
	// The pseudo guild's subscriptions live only for this run, so a bot
	// sharing the database does not go on polling them.
	defer func() {
		for _, u := range a.cfg.Feeds.Defaults {
			if _, err := a.store.Unsubscribe(context.WithoutCancel(ctx), terminalGuild, u); err != nil {
				a.log.Warn("remove terminal subscription", "feed_url", u, "err", err)
			}
		}
	}()
	for _, u := range a.cfg.Feeds.Defaults {
		if _, err := a.store.Subscribe(ctx, terminalGuild, u, ""); err != nil {
			return fmt.Errorf("subscribe %s: %w", u, err)
		}
	}
	dg := a.newDigests(nil, nil)
	d, err := dg.runner.Build(ctx, digest.Target{GuildID: terminalGuild, ChannelID: terminalGuild})
	if err != nil && !errors.Is(err, digest.ErrNothingNew) {
		return err
	}
	if len(d.Stories) == 0 {
		fmt.Fprintf(e.stdout, "Nothing new in the last %s from %d feeds.\n", *since, len(a.cfg.Feeds.Defaults))
		return nil
	}
	_, err = io.WriteString(e.stdout, render.DigestMarkdown(d))
	return err
}
