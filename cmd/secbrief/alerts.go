package main

import (
	"context"

	"github.com/secbrief/secbrief/alerts"
	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/commands"
)

// withKEVAlerts is o with /digest alerts wired to the store and to
// poster's channel lookup; o as it is when vulnerability data is off
// (intel.enabled false): /digest alerts then says so.
func (a *app) withKEVAlerts(o commands.AdminOptions, poster *bot.DigestPoster) commands.AdminOptions {
	if a.cfg.Intel.Enabled {
		o.KEVAlerts, o.ChannelGuild = a.store, poster.ChannelGuild
	}
	return o
}

// newKEVAlerts is the KEV alert job, posting through poster; nil when
// vulnerability data is off. serveBot runs it in every process: the claims
// in the store make each alert go out once.
func (a *app) newKEVAlerts(poster alerts.Poster) *alerts.Job {
	if !a.cfg.Intel.Enabled {
		return nil
	}
	return alerts.New(a.store, a.intel, poster, alerts.Options{}, a.log.With("component", "kev_alerts"))
}

// background runs run in a goroutine until ctx ends, logging its error as
// what unless ctx ended first, and returns the function that stops it and
// waits for it.
func (a *app) background(ctx context.Context, what string, run func(context.Context) error) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := run(ctx); err != nil && ctx.Err() == nil {
			a.log.Error(what, "err", err)
		}
	}()
	return func() { cancel(); <-done }
}
