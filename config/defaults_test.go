package config_test

import (
	"testing"
	"time"

	"github.com/secbrief/secbrief/article"
	"github.com/secbrief/secbrief/config"
	"github.com/secbrief/secbrief/digest"
	"github.com/secbrief/secbrief/feeds"
	"github.com/secbrief/secbrief/intel"
	"github.com/secbrief/secbrief/storage"
	"github.com/secbrief/secbrief/summarizer"
)

// A key's default is the default of the package it configures, so a
// package used with zero options behaves as the documented configuration
// does (config.example.yaml, whose values TestExampleLoadsAndValidates
// holds to Default()).
func TestDefaultsAgreeWithThePackages(t *testing.T) {
	d := config.Default()
	tests := []struct {
		key       string
		config    any
		inPackage any
	}{
		{"llm.model", d.LLM.Model, summarizer.DefaultModel},
		{"llm.language", d.LLM.Language, summarizer.DefaultLanguage},
		{"llm.concurrency", d.LLM.Concurrency, summarizer.DefaultConcurrency},
		{"llm.timeout", d.LLM.Timeout.Duration(), summarizer.DefaultTimeout},
		{"llm.timeout is a minute", d.LLM.Timeout.Duration(), time.Minute},
		{"llm.max_retries", d.LLM.MaxRetries, summarizer.DefaultMaxRetries},
		{"llm.max_input_tokens", d.LLM.MaxInputTokens, summarizer.DefaultMaxInputTokens},
		{"llm.max_output_tokens", d.LLM.MaxOutputTokens, summarizer.DefaultMaxOutputTokens},
		{"llm.max_chunks", d.LLM.MaxChunks, summarizer.DefaultMaxChunks},
		{"fetch.timeout", d.Fetch.Timeout.Duration(), article.DefaultTimeout},
		{"fetch.idle_timeout", d.Fetch.IdleTimeout.Duration(), article.DefaultIdleTimeout},
		{"fetch.max_bytes", d.Fetch.MaxBytes.Bytes(), int64(article.DefaultMaxBytes)},
		{"fetch.max_bytes for feeds", d.Fetch.MaxBytes.Bytes(), int64(feeds.DefaultMaxBodyBytes)},
		{"fetch.max_redirects", d.Fetch.MaxRedirects, article.DefaultMaxRedirects},
		{"fetch.user_agent", d.Fetch.UserAgent, article.DefaultUserAgent},
		{"feeds.poll_interval", d.Feeds.PollInterval.Duration(), feeds.DefaultPollInterval},
		{"feeds.max_failures", d.Feeds.MaxFailures, feeds.DefaultMaxFailures},
		{"feeds.max_failures is five", d.Feeds.MaxFailures, 5},
		{"digest.lookback", d.Digest.Lookback.Duration(), digest.DefaultLookback},
		{"digest.max_items", d.Digest.MaxItems, digest.DefaultMaxItems},
		{"digest.max_candidates", d.Digest.MaxCandidates, digest.DefaultMaxCandidates},
		{"digest.grace", d.Digest.Grace.Duration(), digest.DefaultGrace},
		{"storage.lease", d.Storage.Lease.Duration(), storage.DefaultLease},
		{"storage.lease is two minutes", d.Storage.Lease.Duration(), 2 * time.Minute},
		{"intel.kev_url", d.Intel.KEVURL, intel.DefaultKEVURL},
		{"intel.epss_url", d.Intel.EPSSURL, intel.DefaultEPSSURL},
		{"intel.cve_url", d.Intel.CVEURL, intel.DefaultCVEURL},
		{"intel.nvd_url", d.Intel.NVDURL, intel.DefaultNVDURL},
		{"intel.kev_refresh", d.Intel.KEVRefresh.Duration(), intel.DefaultKEVRefresh},
		{"intel.kev_refresh is an hour", d.Intel.KEVRefresh.Duration(), time.Hour},
		{"intel.epss_refresh", d.Intel.EPSSRefresh.Duration(), intel.DefaultEPSSRefresh},
		{"intel.cvss_ttl", d.Intel.CVSSTTL.Duration(), intel.DefaultCVSSTTL},
		{"intel.cvss_ttl is a week", d.Intel.CVSSTTL.Duration(), 7 * 24 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			if tc.config != tc.inPackage {
				t.Errorf("%s: config default %v, package default %v", tc.key, tc.config, tc.inPackage)
			}
		})
	}
}
