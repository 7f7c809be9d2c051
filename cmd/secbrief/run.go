package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/commands"
	"github.com/secbrief/secbrief/config"
)

// runBot connects to Discord and serves until ctx ends (SIGINT/SIGTERM).
func runBot(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	configPath := fs.String("config", "", "configuration file (default $SECBRIEF_CONFIG)")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath, e, config.NeedLLM, config.NeedDiscord)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, e.stderr)
	a, err := openApp(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	b, err := a.newBot()
	if err != nil {
		return err
	}
	return b.Run(ctx)
}

// newBot builds the Discord session, the command router and the bot.
func (a *app) newBot() (*bot.Bot, error) {
	d := a.cfg.Discord
	opts := bot.Options{
		Token:                d.Token.Value(),
		APIBaseURL:           d.APIBaseURL,
		GuildID:              d.GuildID,
		MessageContentIntent: d.MessageContentIntent,
		ShardID:              d.ShardID,
		ShardCount:           d.ShardCount,
	}
	session, err := bot.NewSession(opts)
	if err != nil {
		return nil, fmt.Errorf("discord: %w", err)
	}
	l := a.cfg.Limits
	router := commands.New(session, a.sum, a.fetcher, a.store, commands.Options{
		AutoThread:          d.AutoThread,
		MessageContent:      d.MessageContentIntent,
		URLPolicy:           a.policy,
		PerUserPerMinute:    l.PerUserPerMinute,
		AskPerUserPerMinute: l.AskPerUserPerMinute,
		ThreadTurnsPerHour:  l.ThreadTurnsPerHour,
	}, a.log)
	return bot.New(session, router, opts, a.log), nil
}
