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

// runKEVAlerts starts the KEV alert job, posting through poster, when
// vulnerability data is on, and returns the function that stops it and
// waits for it. Every process runs it: the claims in the store make each
// alert go out once.
func (a *app) runKEVAlerts(ctx context.Context, poster alerts.Poster) (stop func()) {
	if !a.cfg.Intel.Enabled {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	job := alerts.New(a.store, a.intel, poster, alerts.Options{}, a.log.With("component", "kev_alerts"))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := job.Run(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("kev alerts stopped", "err", err)
		}
	}()
	return func() { cancel(); <-done }
}
