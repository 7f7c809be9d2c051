package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/secbrief/secbrief/internal/fakediscord"
)

// TestShardProcessesAnswerOnlyTheirGuilds runs three `secbrief run`
// processes as shards 0, 1 and 2 of 3 against one fake Discord with two
// guilds per shard (each process with its own SQLite file). A /summarize
// in each guild reaches only the process of the shard that owns the
// guild, which answers it exactly once and makes its one LLM call. After
// shard 1 is killed with SIGKILL and started again, its guild is answered
// by the new process; then all three stop gracefully.
func TestShardProcessesAnswerOnlyTheirGuilds(t *testing.T) {
	t.Parallel()
	const n = 3
	h := newShardHarness(t, n, 2)
	set := h.startShards(n, sqliteStorage(t))
	for i := range n {
		if line := readyLine(set.log(i)); !strings.Contains(line, " guilds=2") {
			t.Errorf("shard %d READY log %q, want its 2 guilds", i, line)
		}
	}

	// summarize dispatches /summarize in guildID on an article served at
	// path whose text holds a marker only that article has.
	summarize := func(guildID, path string) (fakediscord.Dispatched, string) {
		t.Helper()
		marker := "CASE" + strings.ReplaceAll(path, "/", "-")
		h.site.serve(path, "text/html; charset=utf-8", markedArticle(h.site.URL, path, marker))
		spec := fakediscord.SlashCommand("summarize", fakediscord.StringOption("url", h.site.URL+path))
		spec.GuildID = guildID
		return h.dispatch(spec), marker
	}
	// check waits for the answer and checks that only the owning shard got
	// the interaction, answered it once and made the article's LLM call.
	check := func(d fakediscord.Dispatched, marker string) fakediscord.Interaction {
		t.Helper()
		st := h.settled(d)
		owner := set.owner(st.GuildID)
		if want := []int{owner}; !slices.Equal(st.Shards, want) {
			t.Errorf("interaction in guild %s went to shards %v, want %v", st.GuildID, st.Shards, want)
		}
		var callbacks []string // type/status of each
		for _, c := range st.Callbacks {
			callbacks = append(callbacks, fmt.Sprintf("%d/%d", c.Type, c.Status))
		}
		if len(st.Callbacks) != 1 || (st.Callbacks[0].Status != http.StatusNoContent && st.Callbacks[0].Status != http.StatusOK) {
			t.Errorf("interaction in guild %s got callbacks (type/status) %v, want one accepted", st.GuildID, callbacks)
		}
		if st.Original == nil || len(st.Original.Embeds) != 1 || st.Original.Ephemeral() {
			t.Errorf("interaction in guild %s answered with %q, want one public embed", st.GuildID, finalText(st).text)
		}
		var callers []int
		for i := range n {
			for _, r := range set.llmCalls(i) {
				if r.Contains(marker) {
					callers = append(callers, i)
				}
			}
		}
		if want := []int{owner}; !slices.Equal(callers, want) {
			t.Errorf("LLM calls for %s's article made by shards %v, want %v", st.GuildID, callers, want)
		}
		return st
	}

	guilds := h.dc.GuildIDs()
	sent := map[string]fakediscord.Dispatched{}
	markers := map[string]string{}
	for k, g := range guilds {
		sent[g], markers[g] = summarize(g, fmt.Sprintf("/guild-%d", k))
	}
	var originals []string
	for _, g := range guilds {
		if st := check(sent[g], markers[g]); st.Original != nil {
			originals = append(originals, st.Original.ID)
		}
	}
	h.wait("one thread per summary", func() bool { return len(h.dc.Threads()) >= len(guilds) })
	for _, th := range h.dc.Threads() {
		if !slices.Contains(originals, th.StarterMessageID) {
			t.Errorf("thread %s on %s, not on a summary", th.ID, th.StarterMessageID)
		}
	}
	if got := len(h.dc.Threads()); got != len(guilds) {
		t.Errorf("%d threads for %d summaries", got, len(guilds))
	}

	set.kill(1)
	set.restart(1)
	g := h.dc.GuildsOfShard(1, n)[0]
	d, marker := summarize(g, "/after-restart")
	check(d, marker)

	set.stop()
	h.checkNoPings()
	set.checkLogs()
}

// readyLine is the log line of the bot's READY, or "".
func readyLine(log string) string {
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, " msg=ready ") {
			return line
		}
	}
	return ""
}

// markedArticle is the advisory served at path, with its canonical link
// there and a paragraph holding marker.
func markedArticle(siteURL, path, marker string) string {
	html := fmt.Sprintf(advisoryHTML, siteURL)
	html = strings.Replace(html, siteURL+`/advisory"`, siteURL+path+`"`, 1)
	return strings.Replace(html, "</article>", "<p>The vendor tracks this report as "+marker+".</p></article>", 1)
}
