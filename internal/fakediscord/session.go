package fakediscord

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// rewrite sends every request for https://discord.com to another origin,
// keeping the path and query, as the bot's discord.api_base_url does.
type rewrite struct {
	target *url.URL
	next   http.RoundTripper
}

// Transport returns a RoundTripper that sends requests for
// https://discord.com (discordgo's endpoints) to baseURL, path kept.
// Other requests pass through unchanged.
func Transport(baseURL string) (http.RoundTripper, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, &url.Error{Op: "parse", URL: baseURL, Err: err}
	}
	return &rewrite{target: u, next: http.DefaultTransport}, nil
}

// RoundTrip implements http.RoundTripper.
func (t *rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme == "https" && strings.EqualFold(r.URL.Host, "discord.com") {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host = t.target.Scheme, t.target.Host
		r.Host = t.target.Host
	}
	return t.next.RoundTrip(r)
}

// Transport is the RoundTripper that sends discordgo's requests here.
func (s *Server) Transport() http.RoundTripper {
	return &rewrite{target: mustParse(s.origin), next: http.DefaultTransport}
}

func mustParse(raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		panic("fakediscord: bad origin " + raw)
	}
	return u
}

// NewSession returns a discordgo session wired to the fake (token, HTTP
// client through Transport), not yet opened. It is closed when tb ends.
func (s *Server) NewSession(tb testing.TB) *discordgo.Session {
	tb.Helper()
	sess, err := discordgo.New("Bot " + s.opts.Token)
	if err != nil {
		tb.Fatalf("fakediscord: new session: %v", err)
	}
	sess.Client = &http.Client{Transport: s.Transport(), Timeout: 20 * time.Second}
	sess.LogLevel = discordgo.LogError
	tb.Cleanup(func() { _ = sess.Close() })
	return sess
}
