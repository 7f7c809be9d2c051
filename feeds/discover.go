package feeds

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/secbrief/secbrief/news"
)

// ErrNoFeed is returned by Discover when the URL is neither a feed nor a
// page that links to one.
var ErrNoFeed = errors.New("no feed found")

// maxCandidates bounds how many linked feeds Discover tries.
const maxCandidates = 4

// feedTypes are the <link type> values that announce a feed.
var feedTypes = map[string]bool{
	"application/rss+xml":   true,
	"application/atom+xml":  true,
	"application/feed+json": true,
	"application/rdf+xml":   true,
	"application/json":      true,
}

// Discover finds the feed at rawURL for "/feeds add": when rawURL is a
// feed it is parsed as is; when it is an HTML page, the feeds its
// <link rel="alternate"> elements announce are fetched in order and the
// first that parses is returned. feedURL is the feed's URL after
// redirects. A page without a feed link gives an error wrapping ErrNoFeed.
func Discover(ctx context.Context, client *http.Client, rawURL string) (feedURL string, feed news.Feed, items []news.Item, err error) {
	resp, err := fetch(ctx, client, request{URL: rawURL, MaxBytes: DefaultMaxBodyBytes, Now: time.Now()})
	if err != nil {
		return "", news.Feed{}, nil, err
	}
	feed, items, err = Parse(resp.Body, resp.FinalURL)
	if err == nil {
		return resp.FinalURL, feed, items, nil
	}
	if !errors.Is(err, ErrNotFeed) {
		return "", news.Feed{}, nil, err
	}
	candidates := feedLinks(resp.Body, resp.FinalURL)
	if len(candidates) == 0 {
		return "", news.Feed{}, nil, fmt.Errorf("%w at %s: the page has no RSS/Atom link", ErrNoFeed, rawURL)
	}
	var errs []error
	for _, c := range candidates {
		r, err := fetch(ctx, client, request{URL: c, MaxBytes: DefaultMaxBodyBytes, Now: time.Now()})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		feed, items, err := Parse(r.Body, r.FinalURL)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		return r.FinalURL, feed, items, nil
	}
	return "", news.Feed{}, nil, &LinkedFeedsError{Page: rawURL, Errs: errs}
}

// LinkedFeedsError reports a page whose announced feeds all failed. It
// matches ErrNoFeed, and unwraps to each feed's error so that a message
// can say what kind of failure the first one was (their URLs were written
// by the page, so they are named in the log only).
type LinkedFeedsError struct {
	Page string  // the page given to Discover
	Errs []error // one per linked feed tried, in the page's order
}

// Error names the page and every linked feed's error, for the log.
func (e *LinkedFeedsError) Error() string {
	return fmt.Sprintf("%v at %s: the feeds the page links to failed: %v", ErrNoFeed, e.Page, errors.Join(e.Errs...))
}

// Is makes the error match ErrNoFeed.
func (e *LinkedFeedsError) Is(target error) bool { return target == ErrNoFeed }

// Unwrap returns the linked feeds' errors.
func (e *LinkedFeedsError) Unwrap() []error { return e.Errs }

// feedLinks returns the absolute URLs of the feeds an HTML page announces
// with <link rel="alternate" type="application/rss+xml|atom+xml|feed+json">,
// resolved against the page's <base href> or pageURL, without duplicates.
func feedLinks(page []byte, pageURL string) []string {
	z := xhtml.NewTokenizer(bytes.NewReader(page))
	base := pageURL
	var hrefs, out []string
	seen := map[string]bool{}
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			break
		}
		if tt != xhtml.StartTagToken && tt != xhtml.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		if !hasAttr {
			continue
		}
		a := atom.Lookup(name)
		if a != atom.Link && a != atom.Base {
			continue
		}
		attrs := map[string]string{}
		for {
			k, v, more := z.TagAttr()
			attrs[string(k)] = strings.TrimSpace(string(v))
			if !more {
				break
			}
		}
		if a == atom.Base {
			if b := CanonicalLink(attrs["href"], pageURL); b != "" && base == pageURL {
				base = b
			}
			continue
		}
		rels := strings.Fields(strings.ToLower(attrs["rel"]))
		typ, _, _ := strings.Cut(strings.ToLower(attrs["type"]), ";")
		if attrs["href"] != "" && slices.Contains(rels, "alternate") && feedTypes[strings.TrimSpace(typ)] {
			hrefs = append(hrefs, attrs["href"])
		}
	}
	for _, h := range hrefs {
		// Resolve only: a feed URL keeps its query, tracking or not.
		u := resolve(h, base)
		if u != "" && !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
		if len(out) == maxCandidates {
			break
		}
	}
	return out
}
