package feeds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/secbrief/secbrief/internal/defaults"
)

// DefaultMaxBodyBytes caps a feed body (CISA's 10 full advisories come to
// 829 KB): fetch.max_bytes's default, as for a page.
const DefaultMaxBodyBytes = defaults.FetchMaxBytes

// maxRetryAfter bounds a server's Retry-After, so a typo cannot park a feed
// for years.
const maxRetryAfter = 7 * 24 * time.Hour

// acceptFeeds is the Accept header of feed requests.
const acceptFeeds = "application/rss+xml, application/atom+xml, application/feed+json, " +
	"application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"

// ErrTooLarge is returned when a body exceeds the size cap.
var ErrTooLarge = errors.New("response body too large")

// StatusError is an HTTP response other than 200 or 304. RetryAfter is the
// server's Retry-After (seconds or HTTP date), zero when absent.
type StatusError struct {
	URL        string
	Code       int
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("fetch %s: HTTP %d %s", e.URL, e.Code, http.StatusText(e.Code))
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return msg
}

// response is a fetched feed: NotModified for a 304, else the body.
type response struct {
	NotModified  bool
	Body         []byte
	ETag         string
	LastModified string
	FinalURL     string // after redirects
}

// request describes one GET.
type request struct {
	URL          string
	ETag         string // sent as If-None-Match when set
	LastModified string // sent as If-Modified-Since when set
	UserAgent    string
	MaxBytes     int64
	Now          time.Time // for an HTTP-date Retry-After
}

// fetch performs a (conditional) GET and reads at most MaxBytes of the body.
func fetch(ctx context.Context, client *http.Client, r request) (*response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", r.URL, err)
	}
	req.Header.Set("Accept", acceptFeeds)
	if r.UserAgent != "" {
		req.Header.Set("User-Agent", r.UserAgent)
	}
	if r.ETag != "" {
		req.Header.Set("If-None-Match", r.ETag)
	}
	if r.LastModified != "" {
		req.Header.Set("If-Modified-Since", r.LastModified)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", r.URL, err)
	}
	defer resp.Body.Close()
	final := r.URL
	if resp.Request != nil && resp.Request.URL != nil {
		final = resp.Request.URL.String()
	}
	switch resp.StatusCode {
	case http.StatusNotModified:
		return &response{NotModified: true, ETag: r.ETag, LastModified: r.LastModified, FinalURL: final}, nil
	case http.StatusOK:
	default:
		// Drain a little so the connection can be reused.
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
		return nil, &StatusError{URL: r.URL, Code: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), r.Now)}
	}
	maxBytes := r.MaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBodyBytes
	}
	if resp.ContentLength > maxBytes {
		return nil, fmt.Errorf("fetch %s: %w: %d bytes (limit %d)", r.URL, ErrTooLarge, resp.ContentLength, maxBytes)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: read body: %w", r.URL, err)
	}
	if int64(len(body)) > maxBytes {
		return nil, fmt.Errorf("fetch %s: %w: more than %d bytes", r.URL, ErrTooLarge, maxBytes)
	}
	return &response{
		Body:         body,
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		FinalURL:     final,
	}, nil
}

// retryAfter parses a Retry-After value: delay seconds or an HTTP date
// (relative to now). It returns zero when absent, unparsable or past.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}
