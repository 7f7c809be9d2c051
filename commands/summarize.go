package commands

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/article"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/render"
	"github.com/secbrief/secbrief/summarizer"
)

// linkRe finds http(s) links in message text.
var linkRe = regexp.MustCompile(`https?://[^\s<>"'` + "`" + `|]+`)

// summarizeCommand handles /summarize [url] [private].
func (r *Router) summarizeCommand(ctx context.Context, rep *reply) error {
	var rawURL string
	private := false
	for _, o := range rep.i.ApplicationCommandData().Options {
		switch o.Name {
		case "url":
			rawURL = strings.TrimSpace(o.StringValue())
		case "private":
			private = o.BoolValue()
		}
	}
	if rawURL == "" {
		return r.openTextModal(rep, private)
	}
	return r.summarizeURL(ctx, rep, rawURL, private)
}

// summarizeMessage handles the message context-menu command: the first link
// of the message, or its text when it has none.
func (r *Router) summarizeMessage(ctx context.Context, rep *reply) error {
	data := rep.i.ApplicationCommandData()
	var msg *discordgo.Message
	if data.Resolved != nil {
		msg = data.Resolved.Messages[data.TargetID]
	}
	if msg == nil {
		return userErrorf("I couldn't read that message.")
	}
	if link := firstLink(msg); link != "" {
		return r.summarizeURL(ctx, rep, link, false)
	}
	if strings.TrimSpace(msg.Content) == "" {
		return userErrorf("That message has no link and no text to summarize.")
	}
	return r.summarizeText(ctx, rep, msg.Content, false)
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

// openTextModal answers /summarize without a URL with a modal to paste text.
func (r *Router) openTextModal(rep *reply, private bool) error {
	id := modalSummarizeText
	if private {
		id += ":private"
	}
	return rep.d.InteractionRespond(rep.i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseModal,
		Data: &discordgo.InteractionResponseData{
			CustomID:        id,
			Title:           "Summarize pasted text",
			AllowedMentions: render.NoMentions(),
			Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
				discordgo.TextInput{
					CustomID:    fieldArticleText,
					Label:       "Article text",
					Style:       discordgo.TextInputParagraph,
					Placeholder: "Paste the article (title on the first line)",
					Required:    true,
					MinLength:   200,
					MaxLength:   4000,
				},
			}}},
		},
	})
}

// summarizeModal handles the pasted-text modal.
func (r *Router) summarizeModal(ctx context.Context, rep *reply) error {
	data := rep.i.ModalSubmitData()
	var text string
	for _, row := range data.Components {
		if ar, ok := row.(*discordgo.ActionsRow); ok {
			for _, c := range ar.Components {
				if ti, ok := c.(*discordgo.TextInput); ok && ti.CustomID == fieldArticleText {
					text = ti.Value
				}
			}
		}
	}
	return r.summarizeText(ctx, rep, text, strings.HasSuffix(data.CustomID, ":private"))
}

// summarizeURL checks the URL and the user's rate limit before anything is
// deferred, answers a cached article at once, and otherwise defers, fetches
// and summarizes (once for concurrent requests of one URL).
func (r *Router) summarizeURL(ctx context.Context, rep *reply, rawURL string, private bool) error {
	u, err := article.CheckURL(rawURL, r.opts.URLPolicy)
	if err != nil {
		return err
	}
	if err := r.allow(r.userLimit, userID(rep.i)); err != nil {
		return err
	}
	link := u.String()
	ctx = summarizer.WithGuild(ctx, payer(rep.i))
	if ans, ok := r.hot.get(link); ok {
		return r.deliver(ctx, rep, ans, private)
	}
	if ans, ok := r.cachedAnswer(ctx, link); ok {
		r.hot.put(link, ans)
		return r.deliver(ctx, rep, ans, private)
	}
	if err := r.deferLLMWork(ctx, rep, private); err != nil {
		return err
	}
	// Interactions asking for one link share the fetch and the summary: the
	// work goes on while any of them waits, and stops when the last one
	// left (its token expired, or the bot is shutting down).
	ans, err := r.inflight.Do(ctx, link, func(ctx context.Context) (answer, error) {
		work, cancel := context.WithTimeout(ctx, r.opts.WorkTimeout)
		defer cancel()
		a, err := r.fetcher.Fetch(work, link)
		if err != nil {
			return answer{}, err
		}
		if a.URL != link {
			// Map the link as given too (the article may live at a canonical
			// or redirected URL), so the next /summarize of it is a cache hit.
			asked := a
			asked.URL = link
			if err := r.store.PutArticle(work, asked); err != nil {
				r.log.Warn("map requested url", "err", err)
			}
		}
		s, err := r.summarizer.Summarize(work, a)
		if err != nil {
			return answer{}, err
		}
		ans := newAnswer(a, s)
		r.hot.put(link, ans)
		return ans, nil
	})
	if err != nil {
		return err
	}
	return r.deliver(ctx, rep, ans, private)
}

// deferLLMWork refuses work for a payer whose token budget is spent, then
// defers the answer: what follows (fetch, LLM) may take longer than
// Discord's 3 seconds.
func (r *Router) deferLLMWork(ctx context.Context, rep *reply, private bool) error {
	if err := r.checkBudget(ctx, payer(rep.i)); err != nil {
		return err
	}
	if err := rep.deferResponse(private); err != nil {
		return fmt.Errorf("defer: %w", err)
	}
	return nil
}

// cachedAnswer looks for a recent fetch of link with a cached summary. A
// store error is logged and treated as a miss: the link is then fetched.
func (r *Router) cachedAnswer(ctx context.Context, link string) (answer, bool) {
	a, ok, err := r.store.ArticleByURL(ctx, link, r.opts.CacheMaxAge)
	if err != nil {
		r.log.Warn("cache lookup by url", "url", link, "err", err)
	}
	if err != nil || !ok {
		return answer{}, false
	}
	s, ok, err := r.summarizer.Cached(ctx, a)
	if err != nil {
		r.log.Warn("cache lookup of summary", "article_hash", a.Hash(), "err", err)
	}
	if err != nil || !ok {
		return answer{}, false
	}
	return newAnswer(a, s), true
}

// summarizeText summarizes pasted text.
func (r *Router) summarizeText(ctx context.Context, rep *reply, text string, private bool) error {
	a, err := article.FromText(text)
	if errors.Is(err, article.ErrNoArticle) {
		return &UserError{Msg: "That text is too short to summarize: paste the whole article, a few paragraphs at least.", Cause: err}
	}
	if err != nil {
		return err
	}
	if err := r.allow(r.userLimit, userID(rep.i)); err != nil {
		return err
	}
	ctx = summarizer.WithGuild(ctx, payer(rep.i))
	if err := r.deferLLMWork(ctx, rep, private); err != nil {
		return err
	}
	work, cancel := context.WithTimeout(ctx, r.opts.WorkTimeout)
	defer cancel()
	s, err := r.summarizer.Summarize(work, a)
	if err != nil {
		return err
	}
	return r.deliver(ctx, rep, newAnswer(a, s), private)
}

// newAnswer renders a summary for posting.
func newAnswer(a news.Article, s news.Summary) answer {
	hash := s.ArticleHash
	if hash == "" {
		hash = a.Hash()
	}
	ans := answer{summary: s, hash: hash, embed: render.Summary(s, a.Text)}
	for k, private := range []bool{false, true} {
		ans.direct[k] = encodeResponse(directResponse("", []*discordgo.MessageEmbed{ans.embed}, private))
	}
	return ans
}

// deliver posts the summary embed and, for a public answer in a guild
// channel, opens a thread on it mapped to the article.
func (r *Router) deliver(ctx context.Context, rep *reply, ans answer, private bool) error {
	msg, err := rep.deliverAnswer(ans, private)
	if err != nil {
		return fmt.Errorf("send summary: %w", err)
	}
	if private || !r.opts.AutoThread || rep.i.GuildID == "" {
		return nil
	}
	// Threads wait their turn: under a burst, first answers go before the
	// threads of answers already given.
	r.pending.wait(ctx, threadPatience)
	select {
	case r.threadSlots <- struct{}{}:
		defer func() { <-r.threadSlots }()
	case <-ctx.Done():
		return nil
	}
	if msg == nil {
		if msg, err = rep.d.InteractionResponse(rep.i, discordgo.WithContext(ctx)); err != nil {
			r.log.Warn("fetch summary message for thread", "interaction_id", rep.i.ID, "err", err)
			return nil
		}
	}
	r.openThread(ctx, rep.i, msg, ans)
	return nil
}

// openThread starts a thread on the summary message and records it. A
// failure (no permission, already in a thread) is logged, not shown: the
// summary itself was delivered.
func (r *Router) openThread(ctx context.Context, i *discordgo.Interaction, msg *discordgo.Message, ans answer) {
	if r.store == nil {
		return
	}
	if t, ok, err := r.store.Thread(ctx, i.ChannelID); err == nil && ok && t.ID != "" {
		return // the summary was asked for inside one of our threads
	}
	th, err := r.discord.MessageThreadStartComplex(i.ChannelID, msg.ID, &discordgo.ThreadStart{
		Name:                render.ThreadName(ans.summary.Title),
		AutoArchiveDuration: 1440,
	}, discordgo.WithContext(ctx))
	if err != nil {
		r.log.Warn("start thread", "channel_id", i.ChannelID, "message_id", msg.ID, "err", err)
		return
	}
	err = r.store.PutThread(ctx, news.Thread{
		ID: th.ID, GuildID: i.GuildID, ChannelID: i.ChannelID, Kind: news.ThreadSummary,
		ArticleHashes: []string{ans.hash}, CreatedAt: r.opts.Now(),
	})
	if err != nil {
		r.log.Error("record thread", "thread_id", th.ID, "err", err)
	}
}

// allow applies a per-user limiter to user.
func (r *Router) allow(l *Limiter, user string) error {
	if ok, wait := l.Allow(user); !ok {
		return &RateLimitedError{Wait: wait}
	}
	return nil
}
