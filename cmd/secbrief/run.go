package main

import (
	"context"
	"flag"
	"fmt"
	"net"

	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/commands"
	"github.com/secbrief/secbrief/config"
)

// runBot connects to Discord and serves until ctx ends (SIGINT/SIGTERM).
func runBot(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	configPath := fs.String("config", "", "configuration file (default $SECBRIEF_CONFIG)")
	fs.Usage = flagUsage(fs, "run")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	a, err := start(ctx, *configPath, e, config.NeedLLM, config.NeedDiscord)
	if err != nil {
		return err
	}
	defer a.Close()
	defer a.sum.Wait() // summary calls cancelled at shutdown stop before the store closes
	defer tuneGC(e.getenv)()
	b, dg, err := a.newBot()
	if err != nil {
		return err
	}
	return a.serveBot(ctx, b, dg)
}

// serveBot runs b until ctx ends, starting the digests once Discord is
// ready and stopping them before it returns.
func (a *app) serveBot(ctx context.Context, b *bot.Bot, dg *digests) error {
	ctx, cancel := context.WithCancel(ctx) // ends the digests when Run returns early
	defer cancel()
	if addr := a.cfg.Metrics.Listen; addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("metrics.listen %s: %w", addr, err)
		}
		a.metricsAddr = ln.Addr().String()
		served := make(chan struct{})
		go func() {
			defer close(served)
			if err := a.metrics.Serve(ctx, ln, a.store, a.log); err != nil {
				a.log.Error("metrics endpoint stopped", "err", err)
			}
		}()
		defer func() { cancel(); <-served }()
	}
	defer a.background(ctx, "vulnerability data stopped", a.intel.Run)()
	if dg.kev != nil {
		defer a.background(ctx, "kev alerts stopped", dg.kev.Run)()
	}
	ran := make(chan struct{})
	started := make(chan struct{})
	go func() {
		defer close(started)
		select {
		case <-b.Ready():
			if err := dg.start(ctx, a, b.ChannelGuild); err != nil {
				a.log.Error("digests not started", "err", err)
			}
		case <-ctx.Done():
		case <-ran: // Run gave up before READY
		}
	}()
	err := b.Run(ctx)
	close(ran)
	cancel()
	<-started
	dg.stop()
	return err
}

// commandIntel is the vulnerability data the commands show: none when
// intel.enabled is false, so /cve says it is turned off rather than that
// nothing was loaded.
func (a *app) commandIntel() commands.Intel {
	if !a.cfg.Intel.Enabled {
		return nil
	}
	return a.intel
}

// newBot builds the Discord session, the command table with the admin
// commands, the digest service and the bot.
func (a *app) newBot() (*bot.Bot, *digests, error) {
	d := a.cfg.Discord
	opts := bot.Options{
		Token:                d.Token.Value(),
		APIBaseURL:           d.APIBaseURL,
		GuildID:              d.GuildID,
		MessageContentIntent: d.MessageContentIntent,
		ShardID:              d.ShardID,
		ShardCount:           d.ShardCount,
		Observer:             a.metrics,
	}
	session, err := bot.NewSession(opts)
	if err != nil {
		return nil, nil, fmt.Errorf("discord: %w", err)
	}
	poster := bot.NewDigestPoster(session, a.log)
	dg := a.newDigests(poster, poster.Notify)
	dg.alerts = a.newWatchAlerts(poster) // watch.go
	dg.kev = a.newKEVAlerts(poster)      // alerts.go
	admin := commands.NewAdmin(a.store, dg.runner, dg.scheduler, a.discoverer(), poster,
		a.withKEVAlerts(commands.AdminOptions{DefaultFeeds: a.cfg.Feeds.Defaults, OperatorDigests: dg.operatorDigests}, poster), a.log)
	// KEV suggestions come from the catalog in the store, which the intel
	// refresh fills (empty while intel is off).
	watches := commands.NewWatches(a.store, commands.WatchOptions{MaxTermsPerGuild: a.cfg.Watch.MaxTermsPerGuild, KEV: a.store}, a.log)
	l := a.cfg.Limits
	table := commands.New(a.sum, a.fetcher, a.store, commands.Options{
		AutoThread:          d.AutoThread,
		MessageContent:      d.MessageContentIntent,
		URLPolicy:           a.policy,
		PerUserPerMinute:    l.PerUserPerMinute,
		AskPerUserPerMinute: l.AskPerUserPerMinute,
		ThreadTurnsPerHour:  l.ThreadTurnsPerHour,
		GuildDailyTokens:    int(l.GuildDailyTokens),
		Intel:               a.commandIntel(),
		KEVRefresh:          a.cfg.Intel.KEVRefresh.Duration(),
		EPSSRefresh:         a.cfg.Intel.EPSSRefresh.Duration(),
	}, a.log, append(admin.Commands(), watches.Commands()...)...)
	return bot.New(session, table, opts, a.log), dg, nil
}
