package intel

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/secbrief/secbrief/news"
)

// Errors that say which kind of failure a refresh had (see errorKind).
var (
	// ErrTooLarge is a body over its source's limit.
	ErrTooLarge = errors.New("response body too large")
	// ErrFormat is a body that is not what the source serves.
	ErrFormat = errors.New("unexpected format")
	// errStore is a failure to store what was fetched.
	errStore = errors.New("store")
)

// StatusError is an HTTP response other than 200 and 304 (and, for the
// per-CVE sources, 404).
type StatusError struct {
	Code int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("HTTP %d %s", e.Code, http.StatusText(e.Code))
}

// errorKind is the news.IntelErr kind of err.
func errorKind(err error) string {
	var se *StatusError
	switch {
	case errors.As(err, &se):
		return news.IntelErrHTTP
	case errors.Is(err, ErrTooLarge):
		return news.IntelErrTooLarge
	case errors.Is(err, ErrFormat):
		return news.IntelErrFormat
	case errors.Is(err, errStore):
		return news.IntelErrStore
	default:
		return news.IntelErrNetwork
	}
}

// response is a fetched body, or NotModified for a 304.
type response struct {
	Status       int
	NotModified  bool
	Body         []byte
	ETag         string
	LastModified string
}

// get GETs url, conditionally when etag or lastModified are set, and reads
// at most maxBytes of the body, gunzipped when it is gzip data (the EPSS
// file is served as application/gzip; the transport only undoes a gzip
// Content-Encoding). header adds request headers. A 404 is returned as a
// response when allow404, else as a *StatusError like other statuses.
func (s *Service) get(ctx context.Context, url, etag, lastModified string, header http.Header, maxBytes int64, allow404 bool) (*response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	if lastModified != "" {
		req.Header.Set("If-Modified-Since", lastModified)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return &response{Status: resp.StatusCode, NotModified: true, ETag: etag, LastModified: lastModified}, nil
	case resp.StatusCode == http.StatusNotFound && allow404:
		return &response{Status: resp.StatusCode}, nil
	case resp.StatusCode != http.StatusOK:
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10) // let the connection be reused
		return nil, &StatusError{Code: resp.StatusCode}
	}
	if resp.ContentLength > maxBytes {
		return nil, fmt.Errorf("%w: %d bytes (limit %d)", ErrTooLarge, resp.ContentLength, maxBytes)
	}
	body, err := readLimited(resp.Body, maxBytes)
	if err != nil {
		return nil, err
	}
	if body, err = readGzip(body, maxBytes); err != nil {
		return nil, err
	}
	return &response{Status: resp.StatusCode, Body: body,
		ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}, nil
}

// readGzip returns body gunzipped, at most maxBytes of it, when it is gzip
// data, else body as it is.
func readGzip(body []byte, maxBytes int64) ([]byte, error) {
	if len(body) < 2 || body[0] != 0x1f || body[1] != 0x8b {
		return body, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: gzip: %v", ErrFormat, err)
	}
	out, err := readLimited(zr, maxBytes)
	if errors.Is(err, ErrTooLarge) {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: gunzip: %v", ErrFormat, err)
	}
	return out, nil
}

// readLimited reads r to the end, failing with ErrTooLarge past maxBytes.
func readLimited(r io.Reader, maxBytes int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(body)) > maxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, maxBytes)
	}
	return body, nil
}
