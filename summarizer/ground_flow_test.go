package summarizer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/secbrief/secbrief/internal/fakellm"
	"github.com/secbrief/secbrief/news"
)

// logRecords captures the summarizer's log as JSON records.
type logRecords struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logRecords) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// withKey returns the records that have key.
func (l *logRecords) withKey(t *testing.T, key string) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(l.buf.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if _, ok := rec[key]; ok {
			out = append(out, rec)
		}
	}
	return out
}

// captureLog makes e's summarizer log to the returned records.
func captureLog(e *env) *logRecords {
	l := &logRecords{}
	e.s.log = slog.New(slog.NewJSONHandler(l, nil))
	return l
}

// summaryReply is a summary JSON whose prose fields are the given strings.
func summaryReply(title, tldr string, keyPoints, actions []string, cves ...string) string {
	b, err := json.Marshal(map[string]any{
		"title": title, "tldr": tldr, "key_points": keyPoints, "severity": "high",
		"cves": cves, "affected": []string{"Acme Router 4.2"}, "actions": actions,
	})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// checkInventedLog fails t unless the log has exactly one invented_ids
// record, for purpose, counting want.
func checkInventedLog(t *testing.T, l *logRecords, purpose string, want int) {
	t.Helper()
	recs := l.withKey(t, "invented_ids")
	if len(recs) != 1 || recs[0]["purpose"] != purpose || recs[0]["invented_ids"] != float64(want) {
		t.Errorf("invented_ids log records = %v, want one for %s counting %d", recs, purpose, want)
	}
}

func TestSummaryProseGrounded(t *testing.T) {
	e := newEnv(t, Options{})
	logs := captureLog(e)
	a := advisory(1) // names CVE-2025-12341
	e.llm.Enqueue(fakellm.Reply(summaryReply("Acme flaw CVE-2025-12341",
		"CVE-2025-12341, also tracked as CVE-2099-77777, is exploited.",
		[]string{"Related to GHSA-abcd-efgh-ijkl", "Same bug as cve-2025-12341"},
		[]string{"Apply the fix for CVE-2099-88888"}, "CVE-2025-12341", "CVE-2099-77777")))
	sum, err := e.s.Summarize(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Title != "Acme flaw CVE-2025-12341" || sum.TLDR != "CVE-2025-12341, also tracked as an unnamed CVE, is exploited." {
		t.Errorf("title %q tldr %q", sum.Title, sum.TLDR)
	}
	if want := []string{"Related to an unnamed advisory", "Same bug as cve-2025-12341"}; !slices.Equal(sum.KeyPoints, want) {
		t.Errorf("key points = %q, want %q", sum.KeyPoints, want)
	}
	if want := []string{"Apply the fix for an unnamed CVE"}; !slices.Equal(sum.Actions, want) {
		t.Errorf("actions = %q, want %q", sum.Actions, want)
	}
	if !slices.Equal(sum.CVEs, []string{"CVE-2025-12341"}) {
		t.Errorf("cves = %q", sum.CVEs)
	}
	checkInventedLog(t, logs, "summary", 3)
	// What the cache holds is the grounded summary.
	cached, ok, err := e.s.Cached(t.Context(), a)
	if err != nil || !ok || cached.TLDR != sum.TLDR {
		t.Errorf("cached = %+v, %v, %v", cached, ok, err)
	}
}

func TestSummaryWithoutInventionsLogsNothing(t *testing.T) {
	e := newEnv(t, Options{})
	logs := captureLog(e)
	e.llm.Enqueue(fakellm.Reply(summaryReply("Acme flaw", "CVE-2025-12342 is exploited.",
		[]string{"Patch CVE-2025-12342"}, nil)))
	if _, err := e.s.Summarize(t.Context(), advisory(2)); err != nil {
		t.Fatal(err)
	}
	if recs := logs.withKey(t, "invented_ids"); len(recs) != 0 {
		t.Errorf("invented_ids logged with nothing invented: %v", recs)
	}
}

// A long article is summarized from notes on its parts, and notes are the
// model's words too: the combined summary is grounded in the article.
func TestLongSummaryGroundedInArticleNotNotes(t *testing.T) {
	e := newEnv(t, Options{MaxInputTokens: MinInputTokens})
	logs := captureLog(e)
	a := longArticle(40) // names CVE-2025-0001 in every paragraph
	e.llm.SetResponder(func(r fakellm.Request) fakellm.Response {
		if r.ResponseFormat == "json_object" {
			return fakellm.Reply(summaryReply("Acme VPN", "CVE-2025-0001 and CVE-2099-4242 are exploited.",
				[]string{"CVE-2099-4242 is a second flaw"}, nil, "CVE-2025-0001", "CVE-2099-4242"))
		}
		// Notes that invent an id, as a model may.
		return fakellm.Reply("- Acme VPN flaw CVE-2025-0001, chained with CVE-2099-4242.")
	})
	sum, err := e.s.Summarize(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	if e.llm.Calls() < 3 {
		t.Fatalf("%d LLM calls: the article was not summarized in parts", e.llm.Calls())
	}
	if sum.TLDR != "CVE-2025-0001 and an unnamed CVE are exploited." || !slices.Equal(sum.KeyPoints, []string{"An unnamed CVE is a second flaw"}) {
		t.Errorf("tldr %q key points %q", sum.TLDR, sum.KeyPoints)
	}
	if !slices.Equal(sum.CVEs, []string{"CVE-2025-0001"}) {
		t.Errorf("cves = %q", sum.CVEs)
	}
	checkInventedLog(t, logs, "summary", 2)
}

func TestAnswerGrounded(t *testing.T) {
	src := Source{
		Article: news.Article{URL: "https://example.com/a", Title: "Acme flaw",
			Text: "Acme fixed CVE-2025-11111 and published GHSA-vp9c-fpxx-744v. Update now, the vendor says."},
		Summary: news.Summary{TLDR: "Acme fixed a flaw.", CVEs: []string{"CVE-2025-22222"}, Severity: news.SeverityHigh},
	}
	tests := []struct {
		name, question, reply, want string
		turns                       []news.Turn
		invented                    int
	}{
		{name: "ids from the article and the summary",
			question: "Which ids?", reply: "CVE-2025-11111, CVE-2025-22222 and ghsa-VP9C-fpxx-744v.",
			want: "CVE-2025-11111, CVE-2025-22222 and ghsa-VP9C-fpxx-744v."},
		{name: "invented ids",
			question: "Which ids?", reply: "CVE-2025-11111 and CVE-2099-1234, see GHSA-aaaa-bbbb-cccc.",
			want: "CVE-2025-11111 and an unnamed CVE, see an unnamed advisory.", invented: 2},
		{name: "id from the question",
			question: "Is CVE-2024-3400 related?", reply: "The article does not mention CVE-2024-3400.",
			want: "The article does not mention CVE-2024-3400."},
		{name: "id from an earlier question",
			question: "And that one?", reply: "CVE-2024-3400 is not discussed.",
			turns: []news.Turn{{Question: "What about CVE-2024-3400?", Answer: "Not said."}},
			want:  "CVE-2024-3400 is not discussed."},
		// An earlier answer is the model's own text: it vouches for nothing.
		{name: "id from an earlier answer",
			question: "And that one?", reply: "CVE-2099-5555 again.",
			turns: []news.Turn{{Question: "Any other?", Answer: "CVE-2099-5555."}},
			want:  "An unnamed CVE again.", invented: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			logs := captureLog(e)
			e.llm.Enqueue(fakellm.Reply(tt.reply))
			got, err := e.s.Answer(WithGuild(t.Context(), "g1"), Question{Text: tt.question, Sources: []Source{src}, Turns: tt.turns})
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("answer = %q, want %q", got, tt.want)
			}
			if tt.invented == 0 {
				if recs := logs.withKey(t, "invented_ids"); len(recs) != 0 {
					t.Errorf("invented_ids logged: %v", recs)
				}
				return
			}
			checkInventedLog(t, logs, "answer", tt.invented)
			if rec := logs.withKey(t, "invented_ids")[0]; rec["guild_id"] != "g1" {
				t.Errorf("log record %v lacks guild_id g1", rec)
			}
		})
	}
}

// With several sources, an id from any of them may be named.
func TestAnswerGroundedInEverySource(t *testing.T) {
	e := newEnv(t, Options{})
	var srcs []Source
	for i := range 3 {
		srcs = append(srcs, Source{Article: advisory(i)}) // CVE-2025-1234<i>
	}
	e.llm.Enqueue(fakellm.Reply("CVE-2025-12340, CVE-2025-12341, CVE-2025-12342; not CVE-2025-12343."))
	got, err := e.s.Answer(t.Context(), Question{Text: "Which?", Sources: srcs})
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("CVE-2025-12340, CVE-2025-12341, CVE-2025-12342; not %s.", unnamedCVE); got != want {
		t.Errorf("answer = %q, want %q", got, want)
	}
}
