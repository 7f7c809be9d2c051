package commands

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/article"
	"github.com/secbrief/secbrief/bot"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/render"
	"github.com/secbrief/secbrief/summarizer"
)

// linkRe finds http(s) links in message text.
var linkRe = regexp.MustCompile(`https?://[^\s<>"'` + "`" + `|]+`)

// cveID is a well-formed CVE id, as render accepts it.
var cveID = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,19}$`)

// summarizeEntry is /summarize: the summary of a link, or without one a
// modal to paste the text, whose submission comes back here; private when
// asked. A cached link is answered at once, anything else is fetched and
// summarized after a deferral.
func (t *Table) summarizeEntry() bot.Command {
	return bot.Command{
		Definition: summarizeDefinition(),
		ModalID:    modalSummarizeText,
		MayDefer:   true,
		Private:    privateAsked,
		Handle:     t.summarize,
	}
}

// summarizeMessageEntry is the Summarize message command: the first link
// of the message, or its text when it has none; always public.
func (t *Table) summarizeMessageEntry() bot.Command {
	return bot.Command{Definition: summarizeMessageDefinition(), MayDefer: true, Handle: t.summarizeMessage}
}

// privateAsked reports whether a /summarize (or its modal) asked for a
// private summary.
func privateAsked(req bot.Request) bool {
	return req.Bool("private") || strings.HasSuffix(req.CustomID, privateSuffix)
}

// summarize handles /summarize [url] [private] and its modal.
func (t *Table) summarize(ctx context.Context, req bot.Request) (bot.Response, error) {
	private := privateAsked(req)
	if req.CustomID != "" {
		return t.summarizeText(ctx, req, req.Fields[fieldArticleText], private)
	}
	link := req.String("url")
	if link == "" {
		return bot.Response{Modal: textModal(private)}, nil
	}
	return t.summarizeURL(ctx, req, link, private)
}

// summarizeMessage handles the message context-menu command.
func (t *Table) summarizeMessage(ctx context.Context, req bot.Request) (bot.Response, error) {
	msg := req.Message
	if msg == nil {
		return bot.Response{}, userErrorf("I couldn't read that message.")
	}
	if link := firstLink(msg); link != "" {
		return t.summarizeURL(ctx, req, link, false)
	}
	if strings.TrimSpace(msg.Content) == "" {
		return bot.Response{}, userErrorf("That message has no link and no text to summarize.")
	}
	return t.summarizeText(ctx, req, msg.Content, false)
}

// firstLink returns the first http(s) link in a message's text or embeds.
func firstLink(m *discordgo.Message) string {
	if l := linkRe.FindString(m.Content); l != "" {
		return strings.TrimRight(l, ".,;:!?)]}>")
	}
	for _, e := range m.Embeds {
		if e != nil && e.URL != "" {
			return e.URL
		}
	}
	return ""
}

// summarizeURL checks the URL and the user's rate limit first, answers a
// cached article at once, and otherwise leaves the fetch and the summary
// (once for concurrent requests of one URL) for later, once the budget
// allows it.
func (t *Table) summarizeURL(ctx context.Context, req bot.Request, rawURL string, private bool) (bot.Response, error) {
	u, err := article.CheckURL(rawURL, t.opts.URLPolicy)
	if err != nil {
		return bot.Response{}, err
	}
	if err := t.allow(t.userLimit, req.UserID); err != nil {
		return bot.Response{}, err
	}
	link, pays := u.String(), payer(req)
	ctx = summarizer.WithGuild(ctx, pays)
	if ans, ok := t.hot.get(link); ok {
		return t.summaryResponse(req, ans, private), nil
	}
	if ans, ok := t.cachedAnswer(ctx, link); ok {
		t.hot.put(link, ans)
		return t.summaryResponse(req, ans, private), nil
	}
	if err := t.checkBudget(ctx, pays); err != nil {
		return bot.Response{}, err
	}
	return bot.Response{Later: func(ctx context.Context) (bot.Response, error) {
		// Interactions asking for one link share the fetch and the summary:
		// the work goes on while any of them waits, and stops when the last
		// one left (its token expired, or the bot is shutting down).
		ans, err := t.inflight.Do(summarizer.WithGuild(ctx, pays), link, func(ctx context.Context) (answer, error) {
			return t.fetchAndSummarize(ctx, link)
		})
		if err != nil {
			return bot.Response{}, budgetError(pays, err)
		}
		return t.summaryResponse(req, ans, private), nil
	}}, nil
}

// fetchAndSummarize fetches link, maps it to the article, summarizes it
// and keeps the answer in memory.
func (t *Table) fetchAndSummarize(ctx context.Context, link string) (answer, error) {
	work, cancel := context.WithTimeout(ctx, t.opts.WorkTimeout)
	defer cancel()
	a, err := t.fetcher.Fetch(work, link)
	if err != nil {
		return answer{}, err
	}
	if a.URL != link {
		// Map the link as given too (the article may live at a canonical
		// or redirected URL), so the next /summarize of it is a cache hit.
		asked := a
		asked.URL = link
		if err := t.store.PutArticle(work, asked); err != nil {
			t.log.Warn("map requested url", "url", link, "err", err)
		}
	}
	s, err := t.summarizer.Summarize(work, a)
	if err != nil {
		return answer{}, err
	}
	ans := t.newAnswer(ctx, a, s)
	t.hot.put(link, ans)
	return ans, nil
}

// cachedAnswer looks for a recent fetch of link with a cached summary. A
// store error is logged and treated as a miss: the link is then fetched.
func (t *Table) cachedAnswer(ctx context.Context, link string) (answer, bool) {
	a, ok, err := t.store.ArticleByURL(ctx, link, t.opts.CacheMaxAge)
	if err != nil {
		t.log.Warn("cache lookup by url", "url", link, "err", err)
	}
	if err != nil || !ok {
		return answer{}, false
	}
	s, ok, err := t.summarizer.Cached(ctx, a)
	if err != nil {
		t.log.Warn("cache lookup of summary", "article_hash", a.Hash(), "err", err)
	}
	if err != nil || !ok {
		return answer{}, false
	}
	return t.newAnswer(ctx, a, s), true
}

// summarizeText summarizes pasted text, later: it always calls the LLM.
func (t *Table) summarizeText(ctx context.Context, req bot.Request, text string, private bool) (bot.Response, error) {
	a, err := article.FromText(text)
	if errors.Is(err, article.ErrNoArticle) {
		return bot.Response{}, &UserError{Msg: "That text is too short to summarize: paste the whole article, a few paragraphs at least.", Cause: err}
	}
	if err != nil {
		return bot.Response{}, err
	}
	if err := t.allow(t.userLimit, req.UserID); err != nil {
		return bot.Response{}, err
	}
	pays := payer(req)
	if err := t.checkBudget(summarizer.WithGuild(ctx, pays), pays); err != nil {
		return bot.Response{}, err
	}
	return bot.Response{Later: func(ctx context.Context) (bot.Response, error) {
		work, cancel := context.WithTimeout(summarizer.WithGuild(ctx, pays), t.opts.WorkTimeout)
		defer cancel()
		s, err := t.summarizer.Summarize(work, a)
		if err != nil {
			return bot.Response{}, budgetError(pays, err)
		}
		return t.summaryResponse(req, t.newAnswer(work, a, s), private), nil
	}}, nil
}

// newAnswer renders a summary for posting, with what the intel source
// knows of the CVEs it names (badges, and a severity raised by KEV or a
// critical CVSS score).
func (t *Table) newAnswer(ctx context.Context, a news.Article, s news.Summary) answer {
	hash := s.ArticleHash
	if hash == "" {
		hash = a.Hash()
	}
	return answer{summary: s, hash: hash, embed: render.Summary(s, a.Text, t.intel(ctx, s.CVEs))}
}

// intel is what Options.Intel knows of ids, nil without an intel source,
// without ids or when the lookup fails (logged): the summary is then
// shown without badges rather than not at all.
func (t *Table) intel(ctx context.Context, ids []string) map[string]news.CVEIntel {
	if t.opts.Intel == nil {
		return nil
	}
	norm := validIDs(ids)
	if len(norm) == 0 {
		return nil
	}
	found, err := t.opts.Intel.Lookup(ctx, norm...)
	if err != nil {
		t.log.Warn("intel lookup failed; summary shown without it", "cves", len(norm), "err", err)
		return nil
	}
	return found
}

// summaryResponse answers with the summary embed and, for a public answer
// in a server channel, records its message under the summary's CVEs once
// posted (for /cve) and (when threads are on) opens a thread on it mapped
// to the article, unless the summary was asked for inside one of the
// bot's threads. The embed is the one kept in memory: the bot encodes it once.
func (t *Table) summaryResponse(req bot.Request, ans answer, private bool) bot.Response {
	resp := bot.Response{Embeds: []*discordgo.MessageEmbed{ans.embed}, Private: private}
	if private || req.GuildID == "" || t.store == nil {
		return resp
	}
	resp.Delivered = t.recordPosted(req, ans.summary)
	if !t.opts.AutoThread {
		return resp
	}
	resp.Thread = &bot.Thread{
		Name: render.ThreadName(ans.summary.Title),
		Wanted: func(ctx context.Context) bool {
			th, ok, err := t.store.Thread(ctx, req.ChannelID)
			return err != nil || !ok || th.ID == ""
		},
		Opened: func(ctx context.Context, threadID string) {
			err := t.store.PutThread(ctx, news.Thread{
				ID: threadID, GuildID: req.GuildID, ChannelID: req.ChannelID, Kind: news.ThreadSummary,
				ArticleHashes: []string{ans.hash}, CreatedAt: t.opts.Now(),
			})
			if err != nil {
				t.log.Error("record thread", "thread_id", threadID, "err", err)
			}
		},
	}
	return resp
}

// allow applies a per-user limiter to user.
func (t *Table) allow(l *Limiter, user string) error {
	if ok, wait := l.Allow(user); !ok {
		return &RateLimitedError{Wait: wait}
	}
	return nil
}
