package article

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/secbrief/secbrief/news"
)

// Fetcher downloads pages under a Policy and extracts their articles.
type Fetcher struct {
	policy Policy
	client *http.Client
	logger *slog.Logger
}

// NewFetcher returns a Fetcher enforcing p (zero fields take the defaults).
// A nil logger discards.
func NewFetcher(p Policy, logger *slog.Logger) *Fetcher {
	return newFetcher(p, logger, nil)
}

func newFetcher(p Policy, logger *slog.Logger, resolve resolveFunc) *Fetcher {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	p = p.withDefaults()
	return &Fetcher{policy: p, client: newClient(p, resolve), logger: logger}
}

// errIdle is the cancel cause when no bytes arrived for IdleTimeout.
var errIdle = errors.New("no data received")

// Fetch downloads rawURL and extracts its article. Errors wrap
// ErrInvalidURL, *RefusedError, ErrTooManyRedirects, *StatusError,
// *UnsupportedTypeError (ErrUnsupportedType), ErrTooLarge, ErrTimeout or
// ErrNoArticle where they apply; their text names addresses and hosts, for
// the log: show users the kind (RefusedError.Kind), not the text.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) (news.Article, error) {
	u, err := CheckURL(rawURL, f.policy)
	if err != nil {
		return news.Article{}, err
	}
	start := time.Now()
	body, final, contentType, err := f.get(ctx, u)
	if err != nil {
		f.logger.Info("fetch failed", "url", u.Redacted(), "error", err)
		return news.Article{}, err
	}
	f.logger.Debug("fetched", "url", u.Redacted(), "final_url", final.Redacted(),
		"bytes", len(body), "content_type", contentType, "duration", time.Since(start))
	a, err := Parse(body, final, contentType)
	if err != nil {
		return news.Article{}, fmt.Errorf("extract %s: %w", final.Redacted(), err)
	}
	return a, nil
}

// get performs the GET and returns the decompressed, capped body, the final
// URL after redirects and the response's content type.
func (f *Fetcher) get(ctx context.Context, u *url.URL) ([]byte, *url.URL, string, error) {
	ctx, cancelTotal := context.WithTimeout(ctx, f.policy.Timeout)
	defer cancelTotal()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// The idle timer covers the wait for headers too; it is reset on
	// every read that makes progress.
	idle := time.AfterFunc(f.policy.IdleTimeout, func() { cancel(errIdle) })
	defer idle.Stop()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, "", fmt.Errorf("fetch %s: %w", u.Redacted(), err)
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, nil, "", f.wrapErr(ctx, u, err)
	}
	defer resp.Body.Close()
	final := resp.Request.URL
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, nil, "", fmt.Errorf("fetch %s: %w", u.Redacted(), &StatusError{Code: resp.StatusCode, Status: resp.Status})
	}
	contentType := resp.Header.Get("Content-Type")
	if err := checkContentType(contentType); err != nil {
		// Closing without reading drops the connection: the body is
		// never downloaded.
		return nil, nil, "", fmt.Errorf("fetch %s: %w", u.Redacted(), err)
	}
	if resp.ContentLength > f.policy.MaxBytes && !resp.Uncompressed {
		return nil, nil, "", fmt.Errorf("fetch %s: %w (%d bytes, limit %d)", u.Redacted(), ErrTooLarge, resp.ContentLength, f.policy.MaxBytes)
	}
	body, err := readCapped(&progressReader{r: resp.Body, onProgress: func() { idle.Reset(f.policy.IdleTimeout) }}, f.policy.MaxBytes)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, nil, "", fmt.Errorf("fetch %s: %w (limit %d bytes)", u.Redacted(), err, f.policy.MaxBytes)
		}
		return nil, nil, "", f.wrapErr(ctx, u, err)
	}
	return body, final, contentType, nil
}

// wrapErr gives a transport error its context, turning the timeouts into
// ErrTimeout and unwrapping refusals so their message stays short.
func (f *Fetcher) wrapErr(ctx context.Context, u *url.URL, err error) error {
	if errors.Is(context.Cause(ctx), errIdle) {
		return fmt.Errorf("fetch %s: %w", u.Redacted(), &timeoutError{what: fmt.Sprintf("no data for %s", f.policy.IdleTimeout), cause: err})
	}
	var ne net.Error
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return fmt.Errorf("fetch %s: %w", u.Redacted(), &timeoutError{what: fmt.Sprintf("over %s", f.policy.Timeout), cause: err})
	}
	var refused *RefusedError
	if errors.As(err, &refused) {
		return fmt.Errorf("fetch %s: %w", u.Redacted(), refused)
	}
	return fmt.Errorf("fetch %s: %w", u.Redacted(), err)
}

// checkContentType accepts HTML, XHTML and plain text.
func checkContentType(contentType string) error {
	mediaType := mediaTypeOf(contentType)
	switch mediaType {
	case "text/html", "application/xhtml+xml", "text/plain":
		return nil
	case "":
		// No declared type: Parse sniffs the body, and anything that is
		// not markup or text fails extraction.
		return nil
	}
	return unsupportedType(mediaType)
}

// mediaTypeOf returns the lower-case media type of a Content-Type value,
// tolerating malformed parameters.
func mediaTypeOf(contentType string) string {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil || mediaType == "" {
		before, _, _ := strings.Cut(contentType, ";")
		mediaType = strings.ToLower(strings.TrimSpace(before))
	}
	return mediaType
}

// readCapped reads r to the end, failing with ErrTooLarge once more than
// limit bytes arrive. Memory stays bounded by limit.
func readCapped(r io.Reader, limit int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, ErrTooLarge
	}
	return body, nil
}

// progressReader calls onProgress after every read that returned bytes.
type progressReader struct {
	r          io.Reader
	onProgress func()
}

// Read reads from the underlying reader.
func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.onProgress()
	}
	return n, err
}
