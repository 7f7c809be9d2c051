package article

import (
	"context"
	"errors"
	"fmt"
	"regexp"
)

// Sentinel errors callers branch on (the bot turns them into short user
// messages). They are wrapped with context, so test them with errors.Is.
var (
	// ErrNoArticle means the page has too little readable text to be an
	// article (a cookie wall, a login form, an empty shell).
	ErrNoArticle = errors.New("no readable article text")
	// ErrUnsupportedType means the response's content type is not HTML,
	// XHTML or plain text; the body was not read.
	ErrUnsupportedType = errors.New("content type is not supported")
	// ErrTooLarge means the body exceeded Policy.MaxBytes after
	// decompression.
	ErrTooLarge = errors.New("page is too large")
	// ErrTimeout means the fetch took longer than Policy.Timeout, or no
	// bytes arrived for Policy.IdleTimeout. Timeout errors also match
	// context.DeadlineExceeded.
	ErrTimeout = errors.New("page took too long to load")
)

// Refusal is the kind of thing a fetch policy refused. It is what a user
// may be told: the RefusedError's Subject (an address, a resolved or
// redirected-to host) is for the log only.
type Refusal int

// The kinds of refusal.
const (
	// RefusedAddress is a private, local, reserved or otherwise special
	// network address, whether written in the URL, reached by a redirect
	// or resolved from a host name, and a local name such as localhost.
	RefusedAddress Refusal = iota + 1
	// RefusedScheme is a URL scheme other than http or https.
	RefusedScheme
	// RefusedPort is a port other than 80, 443 and the allowed ones.
	RefusedPort
	// RefusedCredentials is a URL with a user name or password in it.
	RefusedCredentials
	// RefusedNotation is a host written in a non-standard IPv4 notation
	// (0x7f.1, 2130706433) that resolvers may read as an address.
	RefusedNotation
)

// RefusedError reports a URL or network address that the fetch policy
// refuses, and why.
type RefusedError struct {
	// Kind is what was refused, the only part fit to show a user.
	Kind Refusal
	// Subject names what was refused: "address 10.0.0.1", "scheme file",
	// "port 8080", "host localhost", "URL with credentials".
	Subject string
	// Reason says why, e.g. "link-local" or "private".
	Reason string
	// Key is the configuration key that would allow what was refused
	// (KeyAllowNetworks, KeyAllowPorts), or "" when none would.
	Key string
}

// The configuration keys an operator may set to allow what the policy
// refuses; a RefusedError names the one that applies.
const (
	KeyAllowNetworks = "fetch.allow_networks"
	KeyAllowPorts    = "fetch.allow_ports"
)

// Error reads like "address 169.254.169.254 is link-local and not allowed
// (fetch.allow_networks can allow it)". It names the address or host, and
// the key for the operator, so it belongs in the log and the terminal,
// never in a message to a user.
func (e *RefusedError) Error() string {
	msg := fmt.Sprintf("%s is %s and not allowed", e.Subject, e.Reason)
	if e.Key != "" {
		msg += " (" + e.Key + " can allow it)"
	}
	return msg
}

// ErrInvalidURL means a URL (given, or a redirect's target) does not parse,
// or lacks a scheme or a host, or has a bad port.
var ErrInvalidURL = errors.New("invalid URL")

// ErrTooManyRedirects means the page redirected more than
// Policy.MaxRedirects times.
var ErrTooManyRedirects = errors.New("too many redirects")

// StatusError reports a response whose HTTP status is not 2xx.
type StatusError struct {
	// Code is the HTTP status code, e.g. 404.
	Code int
	// Status is the status line's text as the server sent it, e.g.
	// "404 Not Found": its reason phrase is remote text, for the log only.
	Status string
}

// Error reads like "the server answered 404 Not Found".
func (e *StatusError) Error() string {
	return "the server answered " + e.Status
}

// timeoutError is a timeout that matches both ErrTimeout and
// context.DeadlineExceeded, with a one-line message.
type timeoutError struct {
	what  string // "over 20s", "no data for 10s"
	cause error
}

func (e *timeoutError) Error() string { return fmt.Sprintf("%v (%s)", ErrTimeout, e.what) }

func (e *timeoutError) Unwrap() error { return e.cause }

func (e *timeoutError) Is(target error) bool {
	return target == ErrTimeout || target == context.DeadlineExceeded
}

// UnsupportedTypeError reports a content type that is not a page or text;
// it matches ErrUnsupportedType.
type UnsupportedTypeError struct {
	// MediaType is the lower-case media type as the server declared it, or
	// as sniffed. It is remote text: show it only through MediaTypeName.
	MediaType string
}

// Error reads like "content type application/pdf is not supported".
func (e *UnsupportedTypeError) Error() string {
	mediaType := e.MediaType
	if mediaType == "" {
		mediaType = "(none)"
	}
	return fmt.Sprintf("content type %s is not supported", mediaType)
}

// Is makes the error match ErrUnsupportedType.
func (e *UnsupportedTypeError) Is(target error) bool { return target == ErrUnsupportedType }

// mediaTypeName is a well-formed media type (RFC 6838 restricted names):
// nothing in it can link, mention or format.
var mediaTypeName = regexp.MustCompile(`^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$`)

// MediaTypeName returns the media type when it is a well-formed one, fit to
// show a user, and "" when it is missing or anything else a server made up.
func (e *UnsupportedTypeError) MediaTypeName() string {
	if mediaTypeName.MatchString(e.MediaType) {
		return e.MediaType
	}
	return ""
}

// unsupportedType returns the error for an unsupported media type.
func unsupportedType(mediaType string) error {
	return &UnsupportedTypeError{MediaType: mediaType}
}
