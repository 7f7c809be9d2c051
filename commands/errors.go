package commands

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/secbrief/secbrief/article"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/summarizer"
)

// UserError is an error whose message is meant for the user as is: short,
// specific, and free of internal detail.
type UserError struct {
	Msg   string
	Cause error // logged, never shown
}

// Error returns the user message, with the cause for the log.
func (e *UserError) Error() string {
	if e.Cause != nil {
		return e.Msg + ": " + e.Cause.Error()
	}
	return e.Msg
}

// Unwrap returns the cause.
func (e *UserError) Unwrap() error { return e.Cause }

// userErrorf returns a UserError with a formatted message.
func userErrorf(format string, args ...any) *UserError {
	return &UserError{Msg: fmt.Sprintf(format, args...)}
}

// RateLimitedError says the user must wait before trying again.
type RateLimitedError struct{ Wait time.Duration }

// Error says how long to wait.
func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("rate limited: try again in %s", e.Wait)
}

// UserMessage turns any handler error into the short sentence shown to the
// user; the full error goes to the log. It speaks of error kinds only: a
// refused address or host, a resolution, a dial error's text, a redirect
// target or a server's own words (reason phrase, content type) are never
// repeated, so the bot cannot be used to probe internal networks or to
// post a remote server's text.
func UserMessage(err error) string {
	var (
		ue          *UserError
		refused     *article.RefusedError
		status      *article.StatusError
		unsupported *article.UnsupportedTypeError
		limited     *RateLimitedError
		dnsErr      *net.DNSError
		opErr       *net.OpError
		certErr     *tls.CertificateVerificationError
		unknownCA   x509.UnknownAuthorityError
		hostErr     x509.HostnameError
	)
	switch {
	case errors.As(err, &ue):
		return ue.Msg
	case errors.As(err, &limited):
		return fmt.Sprintf("You're going a bit fast. Try again in %s.", humanWait(limited.Wait))
	case errors.As(err, &refused):
		return "I can't fetch that link: it " + refusalText(refused.Kind) + "."
	case errors.Is(err, article.ErrTooManyRedirects):
		return "That link redirects too many times; I stopped following it."
	case errors.Is(err, article.ErrInvalidURL):
		return "That isn't a valid web link: give a full http:// or https:// URL."
	case errors.Is(err, article.ErrNoArticle):
		return "I couldn't find article text on that page (it may be a login wall, a cookie banner or a script-only page). Try pasting the text with `/summarize` and no URL."
	case errors.As(err, &unsupported):
		return "That link isn't a web page or plain text I can read (" + mediaTypeText(unsupported) + ")."
	case errors.Is(err, article.ErrUnsupportedType):
		return "That link isn't a web page or plain text I can read."
	case errors.Is(err, article.ErrTooLarge):
		return "That page is too large for me to read."
	case errors.Is(err, article.ErrTimeout):
		return "The page took too long to load. Try again later, or paste the text."
	case errors.As(err, &status):
		return "The site answered " + statusText(status.Code) + " when I fetched the page."
	case errors.Is(err, news.ErrBudgetSpent):
		// Handlers say whose budget (budgetError); this is the fallback.
		return errBudgetSpent.Msg
	case errors.Is(err, summarizer.ErrQuota):
		return "The summarizer's API quota is used up. Please tell the bot's operator."
	case errors.Is(err, summarizer.ErrUnavailable):
		return "The summarizer is unavailable right now, even after retrying. Try again in a few minutes."
	case errors.Is(err, summarizer.ErrBusy):
		return "That article is still being summarized for another request. Try again in a minute."
	case errors.Is(err, summarizer.ErrInvalidOutput):
		return "The summarizer returned something I couldn't use. Try again in a moment."
	case errors.Is(err, summarizer.ErrEmpty):
		return "There is too little text there to summarize."
	case errors.As(err, &dnsErr):
		return "I couldn't find that site: its name does not resolve."
	case errors.As(err, &certErr), errors.As(err, &unknownCA), errors.As(err, &hostErr):
		return "That site's HTTPS certificate is not valid, so I didn't read it."
	case errors.As(err, &opErr):
		return "I couldn't connect to that site. It may be down or refusing connections."
	case errors.Is(err, context.DeadlineExceeded):
		return "That took too long. Try again in a moment."
	case errors.Is(err, context.Canceled):
		return "The bot is restarting; try again in a minute."
	default:
		return msgInternal
	}
}

// msgInternal is UserMessage's answer to an error it does not recognise.
const msgInternal = "Something went wrong on my side. The operator can find the details in the log."

// refusalText says what kind of link the fetch policy refused, completing
// "it …" or "the link …". The refused address, name or port stays in the
// log: whether a host resolves, and to what, is not for users to learn.
func refusalText(kind article.Refusal) string {
	switch kind {
	case article.RefusedAddress:
		return "points to a private or local address"
	case article.RefusedScheme:
		return "is not an http or https link"
	case article.RefusedPort:
		return "uses a port other than 80 or 443"
	case article.RefusedCredentials:
		return "has credentials (a user name or password) in it"
	case article.RefusedNotation:
		return "writes its host in a non-standard address notation"
	}
	return "leads somewhere I'm not allowed to fetch"
}

// statusText is "HTTP 404 (Not Found)": the standard name of the code, never
// the reason phrase the server sent, which is remote text.
func statusText(code int) string {
	if name := http.StatusText(code); name != "" {
		return fmt.Sprintf("HTTP %d (%s)", code, name)
	}
	return fmt.Sprintf("HTTP %d", code)
}

// mediaTypeText names an unsupported content type when it is a well-formed
// media type; anything else the server declared is not repeated.
func mediaTypeText(e *article.UnsupportedTypeError) string {
	if name := e.MediaTypeName(); name != "" {
		return "content type " + name
	}
	return "unknown content type"
}

// humanWait renders a wait as "40 s" or "2 min", rounding up.
func humanWait(d time.Duration) string {
	secs := int((d + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	if secs < 120 {
		return fmt.Sprintf("%d s", secs)
	}
	return fmt.Sprintf("%d min", (secs+59)/60)
}
