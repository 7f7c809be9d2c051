package main

import (
	"github.com/secbrief/secbrief/article"
	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/commands"
	"github.com/secbrief/secbrief/digest"
	"github.com/secbrief/secbrief/feeds"
	"github.com/secbrief/secbrief/intel"
	"github.com/secbrief/secbrief/metrics"
	"github.com/secbrief/secbrief/storage"
	"github.com/secbrief/secbrief/summarizer"
	"github.com/secbrief/secbrief/watch"
	"github.com/secbrief/secbrief/watchalert"
)

// The concrete types main passes satisfy the interfaces their consumers
// declare. The checks live here, where the wiring is, and nowhere else: a
// consumer package must not import the concrete types it only needs to
// check against (digest would compile SQLite, bot would compile gofeed).
var (
	// The store, for every package that keeps something.
	_ commands.Store      = (*storage.Store)(nil)
	_ commands.AdminStore = (*storage.Store)(nil)
	_ commands.WatchStore = (*storage.Store)(nil)
	_ commands.KEVCatalog = (*storage.Store)(nil)
	_ commands.KEVCatalog = (*intel.Service)(nil)
	_ feeds.Store         = (*storage.Store)(nil)
	_ digest.Store        = (*storage.Store)(nil)
	_ summarizer.Cache    = (*storage.Store)(nil)
	_ summarizer.Claims   = (*storage.Store)(nil)
	_ summarizer.Cache    = meteredCache{}
	_ summarizer.Claims   = meteredCache{} // what the summarizer gets keeps the claims
	_ summarizer.Budget   = meteredCache{} // and reserves through the metered settle
	_ metrics.Pinger      = (*storage.Store)(nil)
	_ intel.Store         = (*storage.Store)(nil)
	_ watch.Source        = (*storage.Store)(nil)

	// The commands.
	_ commands.Summarizer   = (*summarizer.Summarizer)(nil)
	_ commands.Fetcher      = (*article.Fetcher)(nil)
	_ commands.DigestRunner = (*digest.Runner)(nil)
	_ commands.Scheduler    = (*digest.Scheduler)(nil)
	_ commands.Notifier     = (*bot.DigestPoster)(nil)
	_ commands.Intel        = (*intel.Service)(nil)

	// The digest.
	_ digest.Poller     = (*feeds.Poller)(nil)
	_ digest.Fetcher    = (*article.Fetcher)(nil)
	_ digest.Summarizer = (*summarizer.Summarizer)(nil)
	_ digest.MergeJudge = (*summarizer.Judge)(nil)
	_ digest.Poster     = (*bot.DigestPoster)(nil)
	_ digest.Intel      = (*intel.Service)(nil)

	// The bot.
	_ bot.Handler  = (*commands.Table)(nil)
	_ bot.Observer = (*metrics.Metrics)(nil)

	// The watch alerts.
	_ watchalert.Store      = (*storage.Store)(nil)
	_ watchalert.Poster     = (*bot.DigestPoster)(nil)
	_ watchalert.Summarizer = (*summarizer.Summarizer)(nil)
	_ watchalert.Fetcher    = (*article.Fetcher)(nil)
	_ watchalert.Intel      = (*intel.Service)(nil)
	_ digest.Watched        = (*digests)(nil)
)
