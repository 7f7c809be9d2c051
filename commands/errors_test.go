package commands

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/article"
	"github.com/secbrief/secbrief/feeds"
	"github.com/secbrief/secbrief/summarizer"
)

func TestUserMessage(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("summarize: fetch http://x: %w", err) }
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"user error as is", userErrorf("Your question is empty."), "Your question is empty."},
		{"rate limited", &RateLimitedError{Wait: 39500 * time.Millisecond}, "Try again in 40 s"},
		{"refused url", wrap(&article.RefusedError{Kind: article.RefusedAddress, Subject: "address 169.254.169.254", Reason: "link-local"}), "it points to a private or local address"},
		{"invalid url", fmt.Errorf("%w \"example.com\": no scheme", article.ErrInvalidURL), "full http:// or https:// URL"},
		{"redirect loop", wrap(fmt.Errorf("stopped after 5 redirects: %w", article.ErrTooManyRedirects)), "redirects too many times"},
		{"not a page, made-up type", wrap(&article.UnsupportedTypeError{MediaType: "[x](https://evil.example)"}), "(unknown content type)"},
		{"odd status", wrap(&article.StatusError{Code: 599, Status: "599 <@123>"}), "HTTP 599 when"},
		{"no article", wrap(article.ErrNoArticle), "couldn't find article text"},
		{"not a page", wrap(&article.UnsupportedTypeError{MediaType: "application/pdf"}), "content type application/pdf"},
		{"too large", wrap(article.ErrTooLarge), "too large"},
		{"timeout", wrap(fmt.Errorf("%w (over 20s)", article.ErrTimeout)), "took too long to load"},
		{"http status", wrap(&article.StatusError{Code: 403, Status: "403 Forbidden"}), "HTTP 403 (Forbidden)"},
		{"llm unavailable", wrap(fmt.Errorf("%w: 503", summarizer.ErrUnavailable)), "unavailable right now"},
		{"llm quota", wrap(summarizer.ErrQuota), "quota"},
		{"llm garbage", wrap(summarizer.ErrInvalidOutput), "couldn't use"},
		{"summary made elsewhere", wrap(fmt.Errorf("%w: none after waiting 4m0s", summarizer.ErrBusy)), "Try again in a minute"},
		{"empty text", wrap(summarizer.ErrEmpty), "too little text"},
		{"deadline", wrap(context.DeadlineExceeded), "took too long"},
		{"unknown host", wrap(&net.DNSError{Err: "no such host", Name: "nope.example", IsNotFound: true}), "does not resolve"},
		{"connection refused", wrap(&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}), "couldn't connect"},
		{"bad certificate", wrap(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), "certificate"},
		{"budget spent", errBudgetSpent, "budget"},
		{"shutdown", wrap(context.Canceled), "restarting"},
		{"anything else", errors.New("disk on fire at /var/lib/secbrief"), "Something went wrong"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := UserMessage(tt.err)
			if !strings.Contains(got, tt.want) {
				t.Fatalf("UserMessage(%v) = %q, want it to contain %q", tt.err, got, tt.want)
			}
			if strings.Contains(got, "/var/lib") || strings.Contains(got, "http://x") {
				t.Fatalf("internal detail shown to the user: %q", got)
			}
		})
	}
}

func TestFirstLinkAndStripMention(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"see https://example.com/a?b=1.", "https://example.com/a?b=1"},
		{"(https://example.com/x)", "https://example.com/x"},
		{"no link here", ""},
		{"<https://example.com/y> and http://other.example/", "https://example.com/y"},
	} {
		if got := firstLink(&discordgo.Message{Content: tt.in}); got != tt.want {
			t.Errorf("link in %q = %q, want %q", tt.in, got, tt.want)
		}
	}
	embedOnly := &discordgo.Message{Embeds: []*discordgo.MessageEmbed{{URL: "https://example.com/embed"}}}
	if got := firstLink(embedOnly); got != "https://example.com/embed" {
		t.Errorf("link of an embed-only message = %q", got)
	}
	if got := stripMention("<@42> does this affect 7.2? <@!42>", "42"); got != "does this affect 7.2?" {
		t.Errorf("stripMention = %q", got)
	}
}

func TestMatchZones(t *testing.T) {
	got := matchZones("europe/ber")
	if len(got) == 0 || got[0] != "Europe/Berlin" {
		t.Fatalf("matchZones(europe/ber) = %v", got)
	}
	if n := len(matchZones("")); n != maxChoices {
		t.Fatalf("empty query gives %d choices, want %d", n, maxChoices)
	}
	if got := matchZones("new york"); len(got) == 0 || got[0] != "America/New_York" {
		t.Fatalf("matchZones(new york) = %v", got)
	}
}

func TestFeedProblem(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("discover: %w", feeds.ErrNoFeed), "no RSS, Atom or JSON feed"},
		{fmt.Errorf("parse: %w", feeds.ErrNotFeed), "not an RSS"},
		{&feeds.StatusError{URL: "http://10.0.0.1/x", Code: 404}, "HTTP 404 Not Found"},
		{fmt.Errorf("get: %w", &net.DNSError{Err: "no such host", Name: "x"}), "does not resolve"},
		{errors.New("dial tcp 10.0.0.1:443: weird"), "could not be fetched"},
		{fmt.Errorf("get: %w", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused 10.0.0.1")}), "could not be reached"},
		{fmt.Errorf("get: %w", context.DeadlineExceeded), "took too long"},
		{fmt.Errorf("%w \"x\": no host", article.ErrInvalidURL), "not a valid http or https URL"},
		{fmt.Errorf("get http://10.0.0.1/: %w", &article.RefusedError{Kind: article.RefusedAddress, Subject: "address 10.0.0.1", Reason: "private"}), "the link points to a private or local address"},
		{fmt.Errorf("get: %w", &article.RefusedError{Kind: article.RefusedScheme, Subject: `scheme "gopher"`, Reason: "not http"}), "the link is not an http or https link"},
		{&feeds.LinkedFeedsError{Page: "http://10.0.0.1/", Errs: []error{&feeds.StatusError{URL: "http://10.0.0.1/f", Code: 410}}}, "the page links a feed, but the site answered HTTP 410 Gone"},
	} {
		got := FeedProblem(tt.err)
		if !strings.Contains(got, tt.want) || strings.Contains(got, "10.0.0.1") {
			t.Errorf("FeedProblem(%v) = %q, want %q and no address", tt.err, got, tt.want)
		}
	}
}

// TestFeedDisabledNotice pins the notice a channel gets when its feed is
// disabled: the feed (unembedded), the count, the error by its kind and how
// to turn the feed back on, never the failing address.
func TestFeedDisabledNotice(t *testing.T) {
	const feed = "https://news.example/feed.xml"
	tests := []struct {
		name  string
		cause error
		want  string
	}{
		{"http status", fmt.Errorf("poll: %w", &feeds.StatusError{URL: feed, Code: 500}),
			"The feed <https://news.example/feed.xml> is disabled after 5 failed polls in a row (the site answered HTTP 500 Internal Server Error). " +
				"Its stories are left out of digests until an admin runs `/feeds add url:https://news.example/feed.xml` again."},
		{"dial error", fmt.Errorf("poll: %w", &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 7), Port: 443}, Err: errors.New("connection refused")}),
			"The feed <https://news.example/feed.xml> is disabled after 5 failed polls in a row (the site could not be reached (down or refusing connections)). " +
				"Its stories are left out of digests until an admin runs `/feeds add url:https://news.example/feed.xml` again."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := FeedDisabledNotice(feed, 5, tc.cause); got != tc.want {
				t.Errorf("FeedDisabledNotice =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}
