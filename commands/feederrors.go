package commands

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/secbrief/secbrief/article"
	"github.com/secbrief/secbrief/feeds"
)

// FeedProblem says in a few words why a feed could not be used, for
// /feeds add, for the error /feeds list shows (the poller stores this text,
// not the error's) and for the notice posted publicly when a feed is
// disabled. Like UserMessage it speaks of error kinds: never an address, a
// host's resolution, a dial error, a redirect target or the server's own
// text.
func FeedProblem(err error) string {
	var (
		linked    *feeds.LinkedFeedsError
		refused   *article.RefusedError
		status    *feeds.StatusError
		netErr    net.Error
		dnsErr    *net.DNSError
		opErr     *net.OpError
		certErr   *tls.CertificateVerificationError
		unknownCA x509.UnknownAuthorityError
		hostErr   x509.HostnameError
	)
	switch {
	case errors.As(err, &linked) && len(linked.Errs) > 0:
		return "the page links a feed, but " + FeedProblem(linked.Errs[0])
	case errors.Is(err, feeds.ErrNoFeed):
		return "there is no RSS, Atom or JSON feed there, and the page links none"
	case errors.Is(err, feeds.ErrNotFeed):
		return "what is there is not an RSS, Atom or JSON feed"
	case errors.Is(err, feeds.ErrTooLarge):
		return "the feed is too large"
	case errors.As(err, &refused):
		return "the link " + refusalText(refused.Kind)
	case errors.Is(err, article.ErrTooManyRedirects):
		return "the link redirects too many times"
	case errors.Is(err, article.ErrInvalidURL):
		return "the link is not a valid http or https URL"
	case errors.As(err, &status):
		return fmt.Sprintf("the site answered HTTP %d %s", status.Code, http.StatusText(status.Code))
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "the site took too long to answer"
	case errors.As(err, &dnsErr):
		return "the site's name does not resolve"
	case errors.As(err, &certErr), errors.As(err, &unknownCA), errors.As(err, &hostErr):
		return "the site's HTTPS certificate is not valid"
	case errors.As(err, &opErr):
		return "the site could not be reached (down or refusing connections)"
	}
	return "the feed could not be fetched"
}

// FeedDisabledNotice is the notice posted, once, in each channel that gets
// digests from feedURL when the poller disabled the feed after failures
// failed polls in a row; cause, the last poll's error, is told by its kind
// (FeedProblem), like everything else the bot says about a feed.
func FeedDisabledNotice(feedURL string, failures int, cause error) string {
	return fmt.Sprintf("The feed <%s> is disabled after %d failed polls in a row (%s). Its stories are left out of digests until an admin runs `/feeds add url:%s` again.",
		feedURL, failures, FeedProblem(cause), feedURL)
}
